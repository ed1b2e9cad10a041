import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.js';
import { hashPassword, verifyPassword } from '../database/password.js';

export interface User {
  id: number;
  email: string;
  name: string;
}

/** The demo's user accounts (in PostgreSQL; passwords as scrypt hashes). */
@Injectable()
export class UsersRepository {
  // Compared against when the email is unknown, so both cases cost one scrypt (no user enumeration by timing).
  private readonly dummyHash = hashPassword('not-a-real-password');

  constructor(private readonly db: Database) {}

  /** The user when the email and password match, else null. */
  async verifyCredentials(email: string, password: string): Promise<User | null> {
    const { rows } = await this.db.query<User & { password_hash: string }>('SELECT id, email, name, password_hash FROM users WHERE email = $1', [email.trim().toLowerCase()]);
    const row = rows[0];
    const ok = await verifyPassword(password, row?.password_hash ?? (await this.dummyHash));
    return row && ok ? { id: row.id, email: row.email, name: row.name } : null;
  }

  async findById(id: number): Promise<User | null> {
    const { rows } = await this.db.query<User>('SELECT id, email, name FROM users WHERE id = $1', [id]);
    return rows[0] ?? null;
  }
}
