import type { RedisNodeAddress } from './connection-options.js';
import { isDuration } from './duration.js';

/** The environment variables to read: `process.env`, or values taken from `ConfigService`. */
export type Env = Record<string, string | undefined>;

/** The NODE_ENV columns of every table of defaults (anything else counts as development). */
export type NodeEnvName = 'development' | 'production' | 'test';

/** NODE_ENV as a column of the defaults tables. */
export function nodeEnvOf(env: Env): NodeEnvName {
  const value = env.NODE_ENV;
  return value === 'production' || value === 'test' ? value : 'development';
}

/** Reads typed values from env, collecting one problem per malformed variable. */
export class EnvReader {
  /** One line per malformed variable. */
  readonly problems: string[] = [];

  constructor(readonly env: Env) {}

  /** The raw value, undefined when unset or empty. */
  string(name: string): string | undefined {
    return this.env[name] || undefined;
  }

  int(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    this.problems.push(`${name}: must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got "${raw}"`);
    return undefined;
  }

  duration(name: string): string | number | undefined {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return undefined;
    if (isDuration(raw)) return /^\d+$/.test(raw) ? Number(raw) : raw;
    this.problems.push(`${name}: must be milliseconds or a duration like '15m', got "${raw}"`);
    return undefined;
  }

  bool(name: string): boolean | undefined {
    const raw = this.env[name]?.toLowerCase();
    if (raw === undefined || raw === '') return undefined;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name}: must be true or false, got "${this.env[name]}"`);
    return undefined;
  }

  /** `host:port,host:port` or a JSON array of `{ host, port }`. */
  nodes(name: string): RedisNodeAddress[] | undefined {
    const raw = this.env[name]?.trim();
    if (!raw) return undefined;
    try {
      const list: unknown = raw.startsWith('[') ? JSON.parse(raw) : raw.split(',').map(parseHostPort);
      if (Array.isArray(list) && list.length > 0 && list.every(isNode)) return list;
    } catch {
      // reported below
    }
    this.problems.push(`${name}: must be "host:port,host:port" or a JSON array of { host, port }, got "${raw}"`);
    return undefined;
  }
}

function parseHostPort(entry: string): RedisNodeAddress {
  const at = entry.trim().lastIndexOf(':');
  return { host: entry.trim().slice(0, at).replace(/^\[|\]$/g, ''), port: Number(entry.trim().slice(at + 1)) };
}

function isNode(n: unknown): n is RedisNodeAddress {
  const node = n as RedisNodeAddress;
  return !!node && typeof node.host === 'string' && node.host.length > 0 && Number.isInteger(node.port) && node.port > 0 && node.port < 65536;
}
