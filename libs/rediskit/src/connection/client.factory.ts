import { Cluster, Redis, type RedisOptions } from 'ioredis';
import {
  connectionKind,
  type ClusterConnectionOptions,
  type RedisConnectionOptions,
  type SentinelConnectionOptions,
  type StandaloneConnectionOptions,
} from '../options/connection-options.js';
import { connectionDefaults } from '../options/connection-defaults.js';
import { toMs } from '../options/duration.js';
import { RediskitConnectionError } from '../errors.js';
import { redactedError } from './redacted-error.js';

export type RedisClient = Redis | Cluster;

/** Exponential backoff with full jitter: spreads reconnects of many instances after an outage. */
export function backoffWithJitter(baseDelay: number, maxDelay: number): (attempt: number) => number {
  return (attempt) => Math.round(Math.random() * Math.min(maxDelay, baseDelay * 2 ** Math.min(attempt, 20)));
}

/** Where a connection points, for error messages and logs (never includes credentials). */
export function describeConnection(options: RedisConnectionOptions): string {
  const kind = connectionKind(options);
  if (kind === 'cluster') return `cluster ${(options as ClusterConnectionOptions).cluster.nodes.map(hostPort).join(',')}`;
  if (kind === 'sentinel') {
    const s = options as SentinelConnectionOptions;
    return `sentinel master "${s.name}" via ${s.sentinels.map(hostPort).join(',')}`;
  }
  const o = options as StandaloneConnectionOptions;
  if (o.url) {
    const u = new URL(o.url);
    return `${u.hostname}:${u.port || 6379}`;
  }
  return `${o.host ?? '127.0.0.1'}:${o.port ?? 6379}`;
}

const hostPort = (n: { host: string; port: number }) => `${n.host}:${n.port}`;

/** ioredis options shared by every topology, from our options and the NODE_ENV defaults. */
function commonOptions(name: string, o: RedisConnectionOptions): RedisOptions {
  const d = connectionDefaults();
  const tls = o.tls === true ? {} : o.tls || undefined;
  return {
    connectionName: `rediskit:${name}`,
    username: o.username,
    password: o.password,
    tls,
    lazyConnect: true,
    enableAutoPipelining: true,
    // disconnect() arms a timer this long even when the socket is already gone; keep it short
    // so a failed boot leaves no handle behind.
    disconnectTimeout: 200,
    // A command already sent when the connection is declared dead fails rather than waiting
    // for a server that may never answer (it may or may not have run: the caller decides).
    // Commands not yet sent still wait through `maxRetriesPerRequest` reconnects.
    autoResendUnfulfilledCommands: false,
    connectTimeout: toMs(o.connectTimeout ?? d.connectTimeout, 'connectTimeout'),
    socketTimeout: toMs(o.commandTimeout ?? d.commandTimeout, 'commandTimeout'),
    commandTimeout: o.perCommandTimeout === undefined ? undefined : toMs(o.perCommandTimeout, 'perCommandTimeout'),
    maxRetriesPerRequest: o.maxRetriesPerRequest ?? d.maxRetriesPerRequest,
    keepAlive: toMs(o.keepAlive ?? d.keepAlive, 'keepAlive'),
    retryStrategy: backoffWithJitter(
      toMs(o.reconnect?.baseDelay ?? d.reconnectBaseDelay),
      toMs(o.reconnect?.maxDelay ?? d.reconnectMaxDelay),
    ),
    ...o.redisOptions,
  };
}

/** Builds an ioredis client (not yet connected) for any topology. */
export function createClient(name: string, options: RedisConnectionOptions): RedisClient {
  const common = commonOptions(name, options);
  switch (connectionKind(options)) {
    case 'cluster': {
      const { cluster } = options as ClusterConnectionOptions;
      const { nodes, ...clusterOptions } = cluster;
      const { retryStrategy, lazyConnect, enableAutoPipelining, ...redisOptions } = common;
      return new Cluster(nodes, {
        lazyConnect,
        enableAutoPipelining,
        clusterRetryStrategy: retryStrategy as (times: number) => number,
        ...clusterOptions,
        redisOptions: { ...redisOptions, ...(options.redisOptions as object) },
      });
    }
    case 'sentinel': {
      const s = options as SentinelConnectionOptions;
      return new Redis({
        ...common,
        sentinels: s.sentinels,
        name: s.name,
        sentinelUsername: s.sentinelUsername,
        sentinelPassword: s.sentinelPassword,
        db: s.db,
        enableTLSForSentinelMode: !!common.tls,
        sentinelRetryStrategy: common.retryStrategy as (attempt: number) => number,
        failoverDetector: true,
      });
    }
    default: {
      const o = options as StandaloneConnectionOptions;
      const base = { ...common, db: o.db };
      if (o.url) return new Redis(o.url, stripUndefined(base));
      return new Redis({ ...base, host: o.host ?? '127.0.0.1', port: o.port ?? 6379 });
    }
  }
}

// With a URL, an explicit `undefined` in the options object would hide the URL's own value.
function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Connects and waits for `ready`, at most `timeout` ms. On failure the client is disconnected
 * and the `RediskitConnectionError` names where it tried to connect and the last cause (with
 * the command arguments removed: the handshake carries the password). A refused password and
 * a database index the server does not have fail at once: retrying cannot fix them, and
 * ioredis would otherwise report `ready` on database 0 after a failed SELECT.
 */
export async function connectClient(client: RedisClient, where: string, timeout: number): Promise<void> {
  if (client.status === 'ready') return;
  let lastError: Error | undefined;
  let fail: (error: RediskitConnectionError) => void = () => undefined;
  const onError = (e: Error) => {
    lastError = e;
    const refused = refusedAtConnect(e, where);
    if (refused) fail(refused);
  };
  const onEnd = () => fail(new RediskitConnectionError(`Redis at ${where} was closed before it was ready`, { cause: redactedError(lastError) }));
  client.on('error', onError);
  client.on('end', onEnd);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new RediskitConnectionError(`Redis at ${where} not ready within ${timeout}ms: ${lastError?.message ?? 'no answer'}`, { cause: redactedError(lastError) })),
        timeout,
      );
      fail = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      // connect() may reject on the first failed attempt while retries go on; 'ready' decides.
      client.connect().catch(onError);
    });
  } catch (error) {
    client.disconnect();
    throw error;
  } finally {
    client.off('error', onError);
    client.off('end', onEnd);
  }
}

// Errors no reconnect can fix: wrong credentials, an ACL user without the right, a database
// index out of range. Undefined for everything else (the connection keeps trying).
function refusedAtConnect(e: Error, where: string): RediskitConnectionError | undefined {
  const command = (e as { command?: { name?: string; args?: unknown[] } }).command;
  if (command?.name === 'select') {
    return new RediskitConnectionError(`Redis at ${where} refused database ${String(command.args?.[0])}: ${e.message}`, { cause: redactedError(e) });
  }
  if (/^(WRONGPASS|NOAUTH|NOPERM)\b/.test(e.message) || command?.name === 'auth') {
    return new RediskitConnectionError(`Redis at ${where} refused the connection: ${e.message}`, { cause: redactedError(e) });
  }
  return undefined;
}
