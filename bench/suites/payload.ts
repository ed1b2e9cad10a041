/** A product page of 20 items (~2.4 KB of JSON): what a cached list endpoint returns. */
export const PAYLOAD = {
  page: 1,
  items: Array.from({ length: 20 }, (_, i) => ({
    id: 1000 + i,
    name: `Product ${i}`,
    price: 9.99 + i,
    currency: 'EUR',
    tags: ['new', 'sale'],
    stock: 100 - i,
    description: 'A well made thing that does what it says.',
  })),
};
