import { randomBytes } from 'node:crypto';
import { RediskitArgumentError } from '../errors.js';
import { assertWellFormed, type KeyPart } from '../keyspace/keyspace.js';

/** The longest item name, in UTF-16 code units (hold ids carry it). */
export const MAX_ITEM_LENGTH = 512;

const TOKEN = /^[A-Za-z0-9_-]{22}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A hold id taken apart: the item it holds and its random token. */
export interface ParsedHoldId {
  item: string;
  token: string;
}

/** Checks an item name (a key part: a non-empty string or a finite number) and returns it as text. */
export function itemName(item: KeyPart, argument = 'item'): string {
  const text = typeof item === 'number' && Number.isFinite(item) ? String(item) : item;
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_ITEM_LENGTH) {
    throw new RediskitArgumentError(argument, `must be a string of 1 to ${MAX_ITEM_LENGTH} characters or a finite number`);
  }
  assertWellFormed(text, argument);
  return text;
}

/**
 * A new hold id for `item`: the item (base64url, so a hold id alone finds its item's keys) and
 * 128 random bits (base64url), joined by a dot. Whoever has the id can confirm or release the
 * hold; it cannot be guessed.
 */
export function newHoldId(item: string): ParsedHoldId & { id: string } {
  const token = randomBytes(16).toString('base64url');
  return { id: `${Buffer.from(item).toString('base64url')}.${token}`, item, token };
}

/** Takes a hold id apart; throws `RediskitArgumentError` (argument `holdId`) for anything `newHoldId` could not have made. */
export function parseHoldId(holdId: unknown): ParsedHoldId {
  const bad = (why: string) => new RediskitArgumentError('holdId', `${why} (a hold id comes from reserve())`);
  if (typeof holdId !== 'string' || holdId.length > 4 * MAX_ITEM_LENGTH) throw bad('must be a string of at most ' + 4 * MAX_ITEM_LENGTH + ' characters');
  const dot = holdId.lastIndexOf('.');
  const encoded = holdId.slice(0, dot);
  const token = holdId.slice(dot + 1);
  if (dot < 1 || !TOKEN.test(token) || !BASE64URL.test(encoded)) throw bad('is malformed');
  const bytes = Buffer.from(encoded, 'base64url');
  const item = bytes.toString('utf8');
  // Only the canonical encoding of well-formed UTF-8: one item, one spelling of its hold ids.
  if (bytes.toString('base64url') !== encoded || Buffer.from(item).toString('base64url') !== encoded) throw bad('is malformed');
  try {
    return { item: itemName(item, 'holdId'), token };
  } catch {
    throw bad('is malformed');
  }
}
