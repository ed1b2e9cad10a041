import type { Logger } from '@nestjs/common';
import { MAX_PATTERN_LENGTH } from './glob.js';

/**
 * What one instance tells the others. On the wire: the sender's id (36 characters), then the
 * JSON, so an instance skips its own messages without parsing them.
 */
export interface BusMessage {
  /** Full Redis keys written or deleted: drop them from memory. */
  k?: string[];
  /** New tag versions. */
  t?: Record<string, number>;
  /** The tag invalidation sequence after them (see `TagVersions.sequence`). */
  s?: number;
  /** Redis glob patterns (full keys) cleared: drop matching keys from memory. */
  p?: string[];
  /** Sent at: lets receivers measure the bus delay. */
  at?: number;
}

/**
 * Bounds on a bus message. Anyone who can PUBLISH on the channel can send anything, so a
 * message is checked against them before it is used; senders split what they send to fit.
 */
export const BUS_LIMITS = Object.freeze({
  /** Longest message JSON, in characters. */
  maxLength: 1024 * 1024,
  /** Most keys in `k`. */
  maxKeys: 10_000,
  /** Most tags in `t`. */
  maxTags: 10_000,
  /** Longest tag name (as `invalidateTags` accepts). */
  maxTagLength: 1024,
  /** Most patterns in `p`; each is at most `MAX_PATTERN_LENGTH` characters. */
  maxPatterns: 64,
});

/** Why a message was dropped: too long, not JSON, or not the shape of a bus message. */
export type BusDropReason = 'size' | 'json' | 'shape';

/**
 * Reads a message's JSON: the validated message (fresh arrays and a prototype-free tag
 * record), or why it is dropped. Unknown fields are ignored, so newer senders stay readable.
 *
 * @example
 * parseBusMessage('{"k":["rk:cache:default:a"]}')   // { k: ['rk:cache:default:a'] }
 * parseBusMessage('{"t":{"user":-1}}')               // 'shape'
 */
export function parseBusMessage(json: string): BusMessage | BusDropReason {
  if (json.length > BUS_LIMITS.maxLength) return 'size';
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return 'json';
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'shape';
  const { k, t, p, at, s } = raw as Record<string, unknown>;
  const message: BusMessage = {};
  if (at !== undefined) {
    if (typeof at !== 'number' || !Number.isFinite(at)) return 'shape';
    message.at = at;
  }
  if (s !== undefined) {
    if (!Number.isSafeInteger(s) || (s as number) < 0) return 'shape';
    message.s = s as number;
  }
  if (k !== undefined) {
    if (!isStringList(k, BUS_LIMITS.maxKeys, BUS_LIMITS.maxLength)) return 'shape';
    message.k = k.slice();
  }
  if (p !== undefined) {
    if (!isStringList(p, BUS_LIMITS.maxPatterns, MAX_PATTERN_LENGTH)) return 'shape';
    message.p = p.slice();
  }
  if (t !== undefined) {
    if (t === null || typeof t !== 'object' || Array.isArray(t)) return 'shape';
    const versions: Record<string, number> = Object.create(null);
    let count = 0;
    for (const [tag, version] of Object.entries(t)) {
      if (++count > BUS_LIMITS.maxTags) return 'shape';
      if (tag.length === 0 || tag.length > BUS_LIMITS.maxTagLength) return 'shape';
      if (!Number.isSafeInteger(version) || (version as number) < 0) return 'shape';
      versions[tag] = version as number;
    }
    message.t = versions;
  }
  return message;
}

function isStringList(v: unknown, maxCount: number, maxLength: number): v is string[] {
  if (!Array.isArray(v) || v.length > maxCount) return false;
  for (const s of v) if (typeof s !== 'string' || s.length === 0 || s.length > maxLength) return false;
  return true;
}

// Room for the braces, field names, `at` and the sender id around the listed items.
const ENVELOPE = 128;

/**
 * Splits a message so each part passes {@link parseBusMessage}: at most `maxKeys` keys, `maxTags`
 * tags and `maxPatterns` patterns, and at most `maxLength` characters of JSON. An item too long
 * for a message of its own is sent alone (receivers drop it and count it).
 *
 * @example
 * splitBusMessage({ k: manyKeys }).forEach((part) => publish(part));
 */
export function splitBusMessage(message: BusMessage): BusMessage[] {
  const room = BUS_LIMITS.maxLength - ENVELOPE;
  if (fitsSurely(message, room)) return [message];
  const parts: BusMessage[] = [];
  const chunk = <T>(items: T[], max: number, size: (item: T) => number, emit: (items: T[]) => void) => {
    let batch: T[] = [];
    let length = 0;
    for (const item of items) {
      const n = size(item) + 1;
      if (batch.length > 0 && (batch.length >= max || length + n > room)) {
        emit(batch);
        batch = [];
        length = 0;
      }
      batch.push(item);
      length += n;
    }
    if (batch.length > 0) emit(batch);
  };
  if (message.k) chunk(message.k, BUS_LIMITS.maxKeys, (k) => JSON.stringify(k).length, (k) => parts.push({ k }));
  if (message.p) chunk(message.p, BUS_LIMITS.maxPatterns, (p) => JSON.stringify(p).length, (p) => parts.push({ p }));
  if (message.t) {
    const s = message.s;
    chunk(Object.entries(message.t), BUS_LIMITS.maxTags, ([tag, v]) => JSON.stringify(tag).length + String(v).length + 1, (t) => parts.push(s === undefined ? { t: Object.fromEntries(t) } : { t: Object.fromEntries(t), s }));
  }
  return parts.length > 0 ? parts : [message];
}

/** True when `message` surely fits one bus message (the common case, judged without serializing it). */
export function fitsOneMessage(message: BusMessage): boolean {
  return fitsSurely(message, BUS_LIMITS.maxLength - ENVELOPE);
}

// The common case, without serializing anything: JSON escapes a character into at most 6.
function fitsSurely(m: BusMessage, room: number): boolean {
  if ((m.k?.length ?? 0) > BUS_LIMITS.maxKeys || (m.p?.length ?? 0) > BUS_LIMITS.maxPatterns) return false;
  let length = 0;
  for (const k of m.k ?? []) length += 6 * k.length + 3;
  for (const p of m.p ?? []) length += 6 * p.length + 3;
  if (m.t) {
    let count = 0;
    for (const tag in m.t) {
      if (++count > BUS_LIMITS.maxTags) return false;
      length += 6 * tag.length + 24;
    }
  }
  return length <= room;
}

/**
 * Reads received bus texts: messages that do not validate are dropped, reported to `dropped`
 * (a counter), and logged once per reason, without their content.
 */
export class BusMessageReader {
  private readonly logged = new Set<BusDropReason>();

  constructor(
    private readonly logger: Logger,
    private readonly dropped: (reason: BusDropReason) => void,
  ) {}

  /** The message in `text` after the sender id of `idLength` characters, or undefined when dropped. */
  read(text: string, idLength: number): BusMessage | undefined {
    const result = text.length > idLength + BUS_LIMITS.maxLength ? 'size' : parseBusMessage(text.slice(idLength));
    if (typeof result === 'object') return result;
    this.dropped(result);
    if (!this.logged.has(result)) {
      this.logged.add(result);
      this.logger.warn(`dropped an invalidation bus message that did not validate (${result}); further ones are only counted (stats().busDropped)`);
    }
    return undefined;
  }
}
