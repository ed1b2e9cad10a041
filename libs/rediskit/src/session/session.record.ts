import type { Codec } from '../codec/codec.js';
import { RediskitArgumentError } from '../errors.js';
import type { Session, SessionClient, SessionInfo } from './session.types.js';

/*
 * A session is one HASH:
 *   u user id · ix the user's index key · c created · a last active (last idle-timeout write)
 *   x absolute deadline · i idle timeout (ms) · r revision · d encoded data
 *   dev device · ip · ua user agent · fp fingerprint · v verifications `factor=until;...`
 * Reads (HMGET) and the read and rotate scripts return SESSION_FIELDS in this order (no field
 * names: half the reply to parse on every request).
 */
export const SESSION_FIELDS = ['u', 'c', 'a', 'x', 'i', 'r', 'd', 'dev', 'ip', 'ua', 'fp', 'v'] as const;

/** Position of the last-activity time in SESSION_FIELDS. */
export const LAST_ACTIVE = 2;
const CLIENT_FIELDS = [
  ['device', 'dev'],
  ['ip', 'ip'],
  ['userAgent', 'ua'],
  ['fingerprint', 'fp'],
] as const;

// Client info comes from request headers: bounded, so a huge header cannot bloat Redis.
const MAX_CLIENT_FIELD = 512;

/** `field, value` pairs of the client info that is set (validated, long values cut). */
export function clientFields(client: SessionClient): string[] {
  const out: string[] = [];
  for (const [name, field] of CLIENT_FIELDS) {
    const value = client[name];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') throw new RediskitArgumentError(name, `must be a string, got ${typeof value}`);
    out.push(field, value.slice(0, MAX_CLIENT_FIELD));
  }
  return out;
}

/** The client info that is set, as `create` stores it (validated, long values cut). */
export function clientInfo(client: SessionClient): SessionClient {
  const fields = clientFields(client);
  const names: Record<string, keyof SessionClient> = { dev: 'device', ip: 'ip', ua: 'userAgent', fp: 'fingerprint' };
  const out: SessionClient = {};
  for (let i = 0; i < fields.length; i += 2) out[names[fields[i]]] = fields[i + 1];
  return out;
}

/** Builds a {@link Session} from SESSION_FIELDS' values, in order. */
export function parseSession<T>(id: string, fields: (Buffer | null)[], readAt: number, codec: Codec, key: string): Session<T> {
  const [u, c, a, x, i, r, d, dev, ip, ua, fp, v] = fields;
  const lastActiveAt = Number(a);
  const absoluteExpiresAt = Number(x);
  return {
    id,
    userId: String(u),
    data: codec.decode<T>(d, key) as T,
    createdAt: Number(c),
    lastActiveAt,
    expiresAt: Math.min(lastActiveAt + Number(i), absoluteExpiresAt),
    absoluteExpiresAt,
    device: dev?.toString(),
    ip: ip?.toString(),
    userAgent: ua?.toString(),
    fingerprint: fp?.toString(),
    verified: v ? parseVerified(v.toString()) : {},
    readAt,
    revision: Number(r),
  };
}

function parseVerified(text: string): Record<string, number> {
  const verified: Record<string, number> = {};
  for (const entry of text.split(';')) {
    const eq = entry.lastIndexOf('=');
    if (eq > 0) verified[entry.slice(0, eq)] = Number(entry.slice(eq + 1));
  }
  return verified;
}

/** Builds a {@link SessionInfo} from one entry of the list script. */
export function parseInfo(userId: string, entry: string[]): SessionInfo {
  const [id, c, a, x, i, device, ip, userAgent, fingerprint] = entry;
  const lastActiveAt = Number(a);
  const absoluteExpiresAt = Number(x);
  return {
    id,
    userId,
    createdAt: Number(c),
    lastActiveAt,
    expiresAt: Math.min(lastActiveAt + Number(i), absoluteExpiresAt),
    absoluteExpiresAt,
    device: device || undefined,
    ip: ip || undefined,
    userAgent: userAgent || undefined,
    fingerprint: fingerprint || undefined,
  };
}
