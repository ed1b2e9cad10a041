import type { Codec } from '../codec/codec.js';
import { RediskitSerializationError } from '../errors.js';

/**
 * What every handler receives. `id` is unique per message; for `notifyUser` it is the id of the
 * entry in the user's inbox stream (`<ms>-<seq>`, ordered), so a client that reads both the
 * live channel and the inbox drops duplicates by `id`.
 *
 * @example
 * pubsub.subscribe<Order>('orders', ({ id, type, data, ts, source }) => console.log(id, type, data.total, ts, source));
 */
export interface Envelope<T = unknown> {
  id: string;
  /** What happened: the `type` given to `notifyUser` / `broadcast`, or the channel name for `publish`. */
  type: string;
  data: T;
  /** When it was sent (sender's clock, ms since epoch). */
  ts: number;
  /** Who sent it (`pubsub.source`, default `hostname:pid`). */
  source: string;
}

/** The part of an envelope that goes through the codec (the id travels in front of it). */
export type EnvelopeBody<T = unknown> = Omit<Envelope<T>, 'id'>;

const NEWLINE = 0x0a;
const MAX_ID_LENGTH = 64;

/**
 * Wire format of a message: `<id>\n<codec bytes of { type, data, ts, source }>`. The id is
 * framed outside the codec so a Lua script can put the inbox entry id it just created in front
 * of the body and publish in the same round trip, keeping inbox order and live order equal.
 * Plain JSON bodies stay strings (ioredis writes a string without building a Buffer).
 */
export function encodeBody(codec: Codec, body: EnvelopeBody, channel: string): Buffer | string {
  return codec.encodeText(body, channel) ?? codec.encode(body, channel);
}

/** A whole framed message. */
export function encodeFramed(codec: Codec, id: string, body: EnvelopeBody, channel: string): Buffer | string {
  const encoded = encodeBody(codec, body, channel);
  return typeof encoded === 'string' ? `${id}\n${encoded}` : frame(id, encoded);
}

/** Frames an encoded body with its id. */
export function frame(id: string, body: Buffer): Buffer {
  const head = Buffer.allocUnsafe(id.length + 1 + body.length);
  head.write(id, 0, 'latin1');
  head[id.length] = NEWLINE;
  body.copy(head, id.length + 1);
  return head;
}

/** Reads a framed message back; throws `RediskitSerializationError` on anything else. */
export function decodeMessage<T = unknown>(codec: Codec, payload: Buffer, channel: string): Envelope<T> {
  const end = payload.indexOf(NEWLINE);
  if (end <= 0 || end > MAX_ID_LENGTH) throw new RediskitSerializationError(`Message on "${channel}" is not a rediskit envelope`);
  // Plain JSON (no marker byte) is read as text straight from the payload, without a sub-buffer.
  const first = payload[end + 1];
  const text = first === 0x7b; // '{': a plain JSON object
  const body = codec.decode<EnvelopeBody<T>>(text ? payload.toString('utf8', end + 1) : payload.subarray(end + 1), channel);
  if (!body || typeof body !== 'object' || typeof body.type !== 'string') {
    throw new RediskitSerializationError(`Message on "${channel}" has no envelope body`);
  }
  // The decoded body becomes the envelope (no copy: one object less per message).
  const envelope = body as Envelope<T>;
  envelope.id = payload.toString('latin1', 0, end);
  return envelope;
}

/** Decodes an inbox stream entry: its id plus the stored body. */
export function decodeEntry<T = unknown>(codec: Codec, id: string, body: Buffer, key: string): Envelope<T> {
  const b = codec.decode<EnvelopeBody<T>>(body, key);
  if (!b || typeof b !== 'object') throw new RediskitSerializationError(`Inbox entry ${id} of "${key}" has no envelope body`);
  return { id, type: b.type, data: b.data, ts: b.ts, source: b.source };
}
