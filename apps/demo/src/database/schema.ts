import { hashPassword } from './password.js';
import type { Database } from './database.js';

/**
 * The shop's tables. `products.fence` is the highest lock fencing token that wrote the row:
 * an update carrying a smaller token comes from a lock holder that lost its lock, and is refused.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id            serial PRIMARY KEY,
  email         text NOT NULL UNIQUE,
  name          text NOT NULL,
  password_hash text NOT NULL
);
CREATE TABLE IF NOT EXISTS products (
  id          serial PRIMARY KEY,
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  price_cents integer NOT NULL CHECK (price_cents >= 0),
  stock       integer NOT NULL CHECK (stock >= 0),
  fence       bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS orders (
  id          serial PRIMARY KEY,
  user_id     integer NOT NULL REFERENCES users(id),
  product_id  integer NOT NULL REFERENCES products(id),
  quantity    integer NOT NULL CHECK (quantity > 0),
  total_cents integer NOT NULL,
  fence       bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
`;

/** Every demo user's password (printed at start and in the README). */
export const DEMO_PASSWORD = 'demo-password';

export const DEMO_USERS = [
  { email: 'ada@example.com', name: 'Ada Lovelace' },
  { email: 'grace@example.com', name: 'Grace Hopper' },
  { email: 'alan@example.com', name: 'Alan Turing' },
  { email: 'margaret@example.com', name: 'Margaret Hamilton' },
  { email: 'barbara@example.com', name: 'Barbara Liskov' },
];

const DEMO_PRODUCTS = [
  { name: 'Mechanical keyboard', description: 'Tactile switches, 75% layout', price_cents: 12900, stock: 25 },
  { name: 'USB-C dock', description: 'Two 4K outputs, 100 W charging', price_cents: 8900, stock: 40 },
  { name: 'Noise-cancelling headphones', description: 'Over-ear, 30 h battery', price_cents: 19900, stock: 12 },
  { name: '27" monitor', description: 'IPS, 1440p, 165 Hz', price_cents: 32900, stock: 8 },
  { name: 'Vintage Redis mug', description: 'The last one in stock', price_cents: 1500, stock: 1 },
];

/** Creates the tables and, when they are empty, the demo users and products. */
export async function migrateAndSeed(db: Database): Promise<void> {
  await db.exec(SCHEMA);
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  if (rows[0].n > 0) return;
  const hashes = await Promise.all(DEMO_USERS.map(() => hashPassword(DEMO_PASSWORD))); // one salt each
  for (const [i, user] of DEMO_USERS.entries()) {
    await db.query('INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3)', [user.email, user.name, hashes[i]]);
  }
  for (const p of DEMO_PRODUCTS) {
    await db.query('INSERT INTO products (name, description, price_cents, stock) VALUES ($1, $2, $3, $4)', [p.name, p.description, p.price_cents, p.stock]);
  }
}
