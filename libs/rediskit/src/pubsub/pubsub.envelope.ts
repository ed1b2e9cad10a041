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
  /**
   * The W3C trace context of the publish span, when the sender traces with propagation on
   * (`tracing.propagate`). Untrusted on receive: only a well-formed value is continued.
   */
  traceparent?: string;
}

/** The part of an envelope that goes through the codec (the id travels in front of it). */
export type EnvelopeBody<T = unknown> = Omit<Envelope<T>, 'id'>;

const NEWLINE = 0x0a;
const MAX_ID_LENGTH = 64;
/** The longest stream entry id: `<ms>-<seq>`, two 64-bit integers. */
export const MAX_STREAM_ID_LENGTH = 41;

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

/**
 * A batch: the text messages published on one channel in the same tick, in one PUBLISH (see
 * PublishBatcher). `*\n` then the framed messages joined by newlines; plain JSON never holds a
 * raw newline, so each message is exactly two lines, its id and its body. An id never starts
 * with `*`.
 */
const BATCH_MARK = 0x2a;
const BATCH_HEAD = '*\n';

/** Joins framed text messages into one batch payload. */
export function encodeBatch(messages: string[]): string {
  return BATCH_HEAD + messages.join('\n');
}

/** Reads a message or a batch back, in publish order; throws `RediskitSerializationError` on anything else. */
export function decodeMessages<T = unknown>(codec: Codec, payload: Buffer, channel: string): Envelope<T>[] {
  if (payload[0] !== BATCH_MARK) return [decodeMessage<T>(codec, payload, channel)];
  const lines = payload.toString('utf8', BATCH_HEAD.length).split('\n');
  if (payload[1] !== NEWLINE || lines.length % 2 !== 0) throw notAnEnvelope(channel);
  const envelopes: Envelope<T>[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    if (lines[i].length === 0 || lines[i].length > MAX_ID_LENGTH) throw notAnEnvelope(channel);
    envelopes.push(toEnvelope(codec.decode<EnvelopeBody<T>>(lines[i + 1], channel), lines[i], channel));
  }
  return envelopes;
}

/** Reads one framed message back; throws `RediskitSerializationError` on anything else. */
export function decodeMessage<T = unknown>(codec: Codec, payload: Buffer, channel: string): Envelope<T> {
  const end = payload.indexOf(NEWLINE);
  if (end <= 0 || end > MAX_ID_LENGTH) throw notAnEnvelope(channel);
  // Plain JSON (no marker byte) is read as text straight from the payload, without a sub-buffer.
  const first = payload[end + 1];
  const text = first === 0x7b; // '{': a plain JSON object
  const body = codec.decode<EnvelopeBody<T>>(text ? payload.toString('utf8', end + 1) : payload.subarray(end + 1), channel);
  return toEnvelope(body, payload.toString('latin1', 0, end), channel);
}

function toEnvelope<T>(body: EnvelopeBody<T> | null, id: string, channel: string): Envelope<T> {
  if (!body || typeof body !== 'object' || typeof body.type !== 'string') {
    throw new RediskitSerializationError(`Message on "${channel}" has no envelope body`);
  }
  // The decoded body becomes the envelope (no copy: one object less per message).
  const envelope = body as Envelope<T>;
  envelope.id = id;
  return envelope;
}

const notAnEnvelope = (channel: string) => new RediskitSerializationError(`Message on "${channel}" is not a rediskit envelope`);

/** Decodes an inbox stream entry: its id plus the stored body. */
export function decodeEntry<T = unknown>(codec: Codec, id: string, body: Buffer, key: string): Envelope<T> {
  const b = codec.decode<EnvelopeBody<T>>(body, key);
  if (!b || typeof b !== 'object') throw new RediskitSerializationError(`Inbox entry ${id} of "${key}" has no envelope body`);
  return { id, type: b.type, data: b.data, ts: b.ts, source: b.source };
}
