import type { RedisConnection } from './redis-connection.js';

/**
 * Yields batches of keys matching `pattern` from every master (never KEYS). On a cluster
 * each master is scanned in turn; keys may repeat if slots move during the scan.
 */
export async function* scanKeys(connection: RedisConnection, pattern: string, count = 500): AsyncGenerator<string[]> {
  for (const node of connection.masters()) {
    let cursor = '0';
    do {
      const [next, keys] = await connection.call(node, connection.commandTimeout, (n) => n.scan(cursor, 'MATCH', pattern, 'COUNT', count));
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}

/**
 * UNLINKs every key matching `pattern`, batch by batch, and returns how many were removed.
 * `filter`, when given, narrows the matches (for patterns SCAN MATCH cannot express exactly).
 */
export async function unlinkMatching(connection: RedisConnection, pattern: string, count = 500, filter?: (key: string) => boolean): Promise<number> {
  let removed = 0;
  for await (const found of scanKeys(connection, pattern, count)) {
    const keys = filter ? found.filter(filter) : found;
    if (keys.length === 0) continue;
    if (!connection.isCluster) {
      removed += await connection.run((client) => client.unlink(...keys));
      continue;
    }
    // A batch spans slots: one UNLINK per key, which auto-pipelining sends per node together.
    const results = await connection.run((client) => Promise.all(keys.map((k) => client.unlink(k))));
    removed += results.reduce((a, b) => a + b, 0);
  }
  return removed;
}
