import type { Redis } from 'ioredis';
import { firstKey, type CommandNamespaces } from '../metrics/command-namespace.js';
import type { RedisSample } from './monitor.alerts.js';
import { infoNumber, nodeAddress, parseInfo } from './redis-info.js';

/** A SLOWLOG entry, reduced to what is safe to log: no arguments, no key, only its namespace. */
export interface SlowlogEntry {
  connection: string;
  node: string;
  id: number;
  /** Lower-case command name. */
  command: string;
  namespace: string;
  durationMs: number;
  /** When Redis logged it (ms since epoch). */
  at: number;
}

/** What a node's counters were at its last sample, to turn them into per-interval numbers. */
interface NodeState {
  evictedKeys?: number;
  hits?: number;
  misses?: number;
  slowlogId?: number;
}

/**
 * Reads one Redis node's INFO (and SLOWLOG) into a {@link RedisSample}: ratios, and counters
 * turned into what happened since the node's previous sample.
 */
export class NodeSampler {
  private readonly nodes = new Map<string, NodeState>();

  constructor(
    private readonly namespaces: CommandNamespaces,
    private readonly readSlowlog: boolean,
  ) {}

  async sample(connection: string, client: Redis): Promise<{ sample: RedisSample; slowlog: SlowlogEntry[] }> {
    const node = nodeAddress(client);
    const id = `${connection}|${node}`;
    const state = this.nodes.get(id) ?? {};
    const [info, slowlog] = await Promise.all([client.info(), this.readSlowlog ? (client.call('SLOWLOG', 'GET', '128') as Promise<unknown[]>) : undefined]);
    const f = parseInfo(info);
    const num = (field: string) => infoNumber(f, field) ?? 0;

    const evicted = num('evicted_keys');
    const hits = num('keyspace_hits');
    const misses = num('keyspace_misses');
    // Counters go backwards after a restart or CONFIG RESETSTAT: count from zero again.
    const delta = (now: number, before: number | undefined) => (before === undefined ? undefined : now >= before ? now - before : now);
    const lookupHits = delta(hits, state.hits) ?? hits;
    const lookups = lookupHits + (delta(misses, state.misses) ?? misses);
    const entries = slowlog ? this.newSlowlogEntries(connection, node, slowlog, state) : [];
    this.nodes.set(id, { ...state, evictedKeys: evicted, hits, misses });

    const maxMemory = num('maxmemory');
    const sample: RedisSample = {
      connection,
      node,
      at: Date.now(),
      usedMemory: num('used_memory'),
      maxMemory,
      memoryRatio: maxMemory > 0 ? num('used_memory') / maxMemory : null,
      fragmentationRatio: num('mem_fragmentation_ratio'),
      connectedClients: num('connected_clients'),
      maxClients: num('maxclients'),
      opsPerSec: num('instantaneous_ops_per_sec'),
      evictions: delta(evicted, state.evictedKeys) ?? 0,
      hitRatio: lookups > 0 ? lookupHits / lookups : null,
      lookups,
      slowlogEntries: entries.length,
    };
    return { sample, slowlog: entries };
  }

  // SLOWLOG GET answers newest first: [id, unix seconds, micros, [command, ...args], client, name].
  private newSlowlogEntries(connection: string, node: string, raw: unknown[], state: NodeState): SlowlogEntry[] {
    const entries = raw as [number, number, number, (string | Buffer)[]][];
    const newestId = entries.length ? Number(entries[0][0]) : (state.slowlogId ?? -1);
    const first = state.slowlogId === undefined;
    // The first sample only sets the baseline; ids restart from 0 when the server restarts.
    const since = first ? newestId : newestId < state.slowlogId! ? -1 : state.slowlogId!;
    state.slowlogId = newestId;
    return entries
      .filter(([id]) => Number(id) > since)
      .map(([id, at, micros, args]) => {
        const command = String(args[0] ?? '?').toLowerCase();
        return {
          connection,
          node,
          id: Number(id),
          command,
          namespace: this.namespaces.of(firstKey(command, args.slice(1))),
          durationMs: Number(micros) / 1000,
          at: Number(at) * 1000,
        };
      });
  }
}
