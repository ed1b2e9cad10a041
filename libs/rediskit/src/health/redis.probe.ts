import type { Cluster, Redis } from 'ioredis';
import type { CircuitStateName } from '../connection/circuit-breaker.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import type { ConnectionKind } from '../options/connection-options.js';
import { infoNumber, nodeAddress, parseInfo } from './redis-info.js';
import type { SentinelProbe } from './sentinel.probe.js';

/** What the Redis indicator reports next to `status`. */
export type RedisHealthDetails = {
  connection: string;
  topology: ConnectionKind;
  /** The circuit breaker state: `closed` is normal. */
  circuit: CircuitStateName;
  /** PING round trip (the slowest master on a cluster), ms. */
  latencyMs?: number;
  /** used_memory (the fullest master on a cluster), bytes. */
  usedMemory?: number;
  /** maxmemory, bytes (0: no limit). */
  maxMemory?: number;
  /** usedMemory / maxMemory, or null without a limit. */
  memoryRatio?: number | null;
  evictionPolicy?: string;
  /**
   * On a cluster: `fail` when a master does not report `cluster_state:ok` (those are listed in
   * `failing`); `masters` this client knows and probed, `size` masters serving slots as the
   * cluster reports it (after a node returns, the client learns it back at its next slot refresh).
   */
  cluster?: { state: 'ok' | 'fail'; masters: number; size: number; failing: string[] };
  /** Through Sentinel: the master the sentinels report and the node this connection talks to. */
  sentinel?: { master: string; connectedTo: string };
  /** Why it is down. */
  message?: string;
};

export interface ProbeLimits {
  maxLatencyMs?: number;
  memoryThreshold: number;
  timeoutMs: number;
}

interface NodeReport {
  address: string;
  latencyMs: number;
  usedMemory?: number;
  maxMemory?: number;
  evictionPolicy?: string;
  clusterState?: string;
  clusterSize?: number;
}

/**
 * Checks one connection: the circuit, PING latency and memory of every master, `cluster_state`
 * on a cluster, the master Sentinel reports. Returns the details and, when down, the problem.
 *
 * Probes go to the node clients directly, not through `connection.run`: a health check must
 * neither count as an application failure nor use up the breaker's half-open trial call.
 */
export async function probeRedis(connection: RedisConnection, sentinels: SentinelProbe, limits: ProbeLimits): Promise<RedisHealthDetails> {
  const details: RedisHealthDetails = { connection: connection.name, topology: connection.kind, circuit: connection.breaker.state };
  if (details.circuit === 'open' || details.circuit === 'isolated') {
    return { ...details, message: `circuit breaker is ${details.circuit}: Redis calls fail fast` };
  }
  if (!connection.isReady) return { ...details, message: `not connected (${connection.client.status})` };

  const masters = connection.masters();
  const reports = await Promise.all(masters.map((node) => probeNode(node, connection.isCluster)));
  const slowest = reports.reduce((a, b) => (b.latencyMs > a.latencyMs ? b : a));
  const fullest = reports.reduce((a, b) => (ratio(b) ?? -1) > (ratio(a) ?? -1) ? b : a);
  Object.assign(details, {
    latencyMs: round(slowest.latencyMs),
    usedMemory: fullest.usedMemory,
    maxMemory: fullest.maxMemory,
    memoryRatio: ratio(fullest) === undefined ? null : round(ratio(fullest)!, 4),
    evictionPolicy: fullest.evictionPolicy,
  });

  const problems: string[] = [];
  if (connection.isCluster) {
    const failing = reports.filter((r) => r.clusterState !== 'ok').map((r) => r.address);
    const size = Math.max(...reports.map((r) => r.clusterSize ?? 0));
    // A master that went away leaves the client's pool and comes back only when a command
    // meets a MOVED; refresh the slots so the next check probes it again.
    if (reports.length < size) {
      (connection.client as Cluster).refreshSlotsCache();
      problems.push(`the client reaches ${reports.length} of the ${size} masters of the cluster`);
    }
    details.cluster = { state: failing.length ? 'fail' : 'ok', masters: reports.length, size, failing };
    if (failing.length) problems.push(`cluster_state is not ok on ${failing.join(', ')}`);
  }
  if (connection.kind === 'sentinel') {
    const client = connection.client as Redis;
    const master = await sentinels.masterOf(client, limits.timeoutMs);
    const connectedTo = `${(client.stream?.remoteAddress ?? '?').replace(/^::ffff:/, '')}:${client.stream?.remotePort ?? '?'}`;
    details.sentinel = { master, connectedTo };
    if (master !== connectedTo) problems.push(`connected to ${connectedTo} but the sentinels report master ${master}`);
  }
  if (limits.maxLatencyMs !== undefined && slowest.latencyMs > limits.maxLatencyMs) {
    problems.push(`PING took ${round(slowest.latencyMs)} ms on ${slowest.address}, above maxLatencyMs ${limits.maxLatencyMs}`);
  }
  // With an eviction policy a full Redis makes room by itself; only `noeviction` fails writes.
  const r = ratio(fullest);
  if (r !== undefined && r >= limits.memoryThreshold && fullest.evictionPolicy === 'noeviction') {
    problems.push(`memory ${Math.round(r * 100)}% of maxmemory on ${fullest.address} with noeviction, at or above memoryThreshold ${limits.memoryThreshold}`);
  }
  if (problems.length) details.message = problems.join('; ');
  return details;
}

async function probeNode(node: Redis, cluster: boolean): Promise<NodeReport> {
  const started = performance.now();
  await node.ping();
  const latencyMs = performance.now() - started;
  const [memory, clusterInfo] = await Promise.all([node.info('memory'), cluster ? node.cluster('INFO') : undefined]);
  const fields = parseInfo(memory);
  const clusterFields = clusterInfo === undefined ? undefined : parseInfo(String(clusterInfo));
  return {
    address: nodeAddress(node),
    latencyMs,
    usedMemory: infoNumber(fields, 'used_memory'),
    maxMemory: infoNumber(fields, 'maxmemory'),
    evictionPolicy: fields.maxmemory_policy,
    clusterState: clusterFields?.cluster_state,
    clusterSize: clusterFields && infoNumber(clusterFields, 'cluster_size'),
  };
}

function ratio(report: NodeReport): number | undefined {
  return report.maxMemory && report.usedMemory !== undefined ? report.usedMemory / report.maxMemory : undefined;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
