import type { Codec } from '../codec/codec.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { RediskitArgumentError, RediskitError } from '../errors.js';
import { assertWellFormed, type KeyPart, type KeyScope } from '../keyspace/keyspace.js';
import type { LuaScript } from '../scripts/lua-script.js';
import type { ScriptArg } from '../scripts/script-runner.js';
import { checkCoordinates, checkLimit, checkMemberId, checkRadius, checkUnit } from './geo.arguments.js';
import type { GeoMetrics, GeoOperation } from './geo.metrics.js';
import { GEO_DEFAULTS } from './geo.settings.js';
import type { GeoMember, NearbyOptions } from './geo.types.js';
import { geoNearbyScript } from './geo-nearby.lua.js';
import { geoRemoveScript } from './geo-remove.lua.js';
import { geoUpdateScript } from './geo-update.lua.js';

/** What every collection of a `GeoService` shares. */
export interface GeoContext {
  readonly connection: RedisConnection;
  readonly keys: KeyScope;
  readonly codec: Codec;
  readonly metrics: GeoMetrics;
  /** Time budget of each call. */
  readonly budget: number;
  readonly maxResults: number;
  readonly maxMetaSize: number;
}

/** The longest collection name, in UTF-16 code units. */
export const MAX_COLLECTION_NAME_LENGTH = 256;

/**
 * One collection of positions (a fleet, the couriers of a city): a GEO set, a "last seen"
 * sorted set and a meta hash under one hash tag, so each operation is one script on one
 * cluster node. Members not updated within the collection's TTL are dropped by the scripts
 * themselves, and never returned.
 *
 * @example
 * const couriers = geo.collection<{ vehicle: string }>('couriers:berlin', { ttl: '1m' });
 * await couriers.update('c-17', 52.52, 13.405, { vehicle: 'bike' });
 * const near = await couriers.nearby(52.51, 13.40, 3, { limit: 10 });
 */
export class GeoCollection<M = unknown> {
  private readonly redisKeys: [string, string, string];

  constructor(
    private readonly context: GeoContext,
    /** The collection's name (a key part: encoded, it picks the hash tag). */
    readonly name: string,
    /** Its TTL in ms. */
    readonly ttl: number,
  ) {
    const keys = context.keys;
    this.redisKeys = [keys.slotted(name, 'pos'), keys.slotted(name, 'seen'), keys.slotted(name, 'meta')];
  }

  /**
   * Records the position of `id` (and when it was seen, by Redis' clock). `meta` is stored
   * with it (encoded by the module's codec, at most `geo.maxMetaSize` bytes); left out, the
   * member keeps its meta; `null` removes it. Resolves with the number of members in the
   * collection. Throws `RediskitArgumentError` for an invalid id, coordinates or meta.
   */
  update(id: string, lat: number, lng: number, meta?: M | null): Promise<number> {
    return this.guard('update', async () => {
      checkMemberId(id);
      checkCoordinates(lat, lng);
      const [mode, payload] = meta === undefined ? ['', ''] : meta === null ? ['-', ''] : ['=', this.encodeMeta(meta)];
      const [members, dropped] = await this.run<[number, number]>(geoUpdateScript, [id, lng, lat, this.ttl, mode, payload, GEO_DEFAULTS.pruneBatch]);
      this.context.metrics.expired.inc(dropped);
      return members;
    });
  }

  /**
   * Members within `radius` of the point, nearest first, with their distance (in `unit`,
   * default km), stored position, last seen time and meta. Members not seen within the TTL are
   * never returned.
   */
  nearby(lat: number, lng: number, radius: number, options: NearbyOptions = {}): Promise<GeoMember<M>[]> {
    return this.guard('nearby', async () => {
      checkCoordinates(lat, lng);
      const unit = checkUnit(options.unit ?? 'km');
      checkRadius(radius, unit);
      const limit = checkLimit(options.limit ?? Math.min(GEO_DEFAULTS.limit, this.context.maxResults), this.context.maxResults);
      const reply = await this.context.connection.scriptBuffer<(Buffer | number | null)[]>(
        geoNearbyScript,
        this.redisKeys,
        [lng, lat, radius, unit, limit, this.ttl, GEO_DEFAULTS.pruneBatch],
        this.context.budget,
      );
      this.context.metrics.expired.inc(reply[0] as number);
      const members: GeoMember<M>[] = [];
      for (let i = 1; i + 5 < reply.length; i += 6) {
        const member: GeoMember<M> = {
          id: String(reply[i]),
          distance: Number(String(reply[i + 1])),
          lng: Number(String(reply[i + 2])),
          lat: Number(String(reply[i + 3])),
          seenAt: Number(String(reply[i + 4])),
        };
        const meta = reply[i + 5];
        if (meta) this.decodeMeta(meta as Buffer, member);
        members.push(member);
      }
      return members;
    });
  }

  /** Removes `id` from the collection; true when it was there. */
  remove(id: string): Promise<boolean> {
    return this.guard('remove', async () => {
      checkMemberId(id);
      const [removed, dropped] = await this.run<[number, number]>(geoRemoveScript, [id, this.ttl, GEO_DEFAULTS.pruneBatch]);
      this.context.metrics.expired.inc(dropped);
      return removed === 1;
    });
  }

  private run<T>(script: LuaScript, args: ScriptArg[]): Promise<T> {
    return this.context.connection.script<T>(script, this.redisKeys, args, this.context.budget);
  }

  private encodeMeta(meta: M): Buffer {
    const encoded = this.context.codec.encode(meta, `geo:${this.name}`);
    if (encoded.length > this.context.maxMetaSize) {
      throw new RediskitArgumentError('meta', `is ${encoded.length} bytes encoded, over geo.maxMetaSize (${this.context.maxMetaSize} bytes)`);
    }
    return encoded;
  }

  // Redis content is untrusted: a meta that does not decode (written by another codec, or by
  // hand) leaves the member without meta rather than failing the whole search.
  private decodeMeta(payload: Buffer, member: GeoMember<M>): void {
    try {
      const meta = this.context.codec.decode<M>(payload, `geo:${this.name}`);
      if (meta !== null) member.meta = meta;
    } catch {
      this.context.metrics.undecodableMeta.inc();
    }
  }

  // Counts the call; argument errors are the caller's and are not counted as failures.
  private async guard<T>(operation: GeoOperation, call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.context.metrics.calls[operation].inc();
      return result;
    } catch (error) {
      if (error instanceof RediskitError && error.code !== 'INVALID_ARGUMENT' && error.code !== 'SERIALIZATION') this.context.metrics.failures[operation].inc();
      throw error;
    }
  }
}

/** Checks a collection name: a non-empty key part of at most {@link MAX_COLLECTION_NAME_LENGTH} characters. */
export function collectionName(name: KeyPart): string {
  const text = typeof name === 'number' && Number.isFinite(name) ? String(name) : name;
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_COLLECTION_NAME_LENGTH) {
    throw new RediskitArgumentError('collection', `must be a string of 1 to ${MAX_COLLECTION_NAME_LENGTH} characters or a number`);
  }
  assertWellFormed(text, 'collection');
  return text;
}
