import { Inject, Injectable } from '@nestjs/common';
import { Codec } from '../codec/codec.js';
import { RedisRegistry } from '../connection/redis.registry.js';
import { Keyspace, type KeyPart } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { toPositiveMs } from '../options/duration.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { collectionName, GeoCollection, type GeoContext } from './geo.collection.js';
import { GeoMetrics } from './geo.metrics.js';
import { resolveGeoSettings } from './geo.settings.js';
import type { GeoCollectionOptions, GeoMember, NearbyOptions } from './geo.types.js';

/** The collection `GeoService`'s own methods use. */
export const DEFAULT_GEO_COLLECTION = 'default';

/**
 * Positions that expire: where your drivers, couriers or devices are now. Each member has a
 * position, a last-seen time (Redis' clock) and optional meta; a member not updated within its
 * collection's TTL is dropped and never returned. `nearby` answers members within a radius,
 * nearest first, with distances. Every operation is one Lua script on one cluster node (a
 * collection is one hash tag).
 *
 * The methods here use the collection `default`; `collection(name)` gives others (one per
 * fleet, city...).
 *
 * Failure policy: when Redis cannot answer within `geo.commandTimeout`, calls reject with a
 * `RediskitError` (`RediskitTimeoutError`, `RediskitConnectionError`,
 * `RediskitCircuitOpenError`); an update that reaches Redis after its deadline changes nothing.
 *
 * @example
 * await geo.update('driver-7', 52.52, 13.405, { name: 'Ada' });
 * const near = await geo.nearby(52.51, 13.40, 2, { limit: 10 });   // [{ id: 'driver-7', distance: 1.1, ... }]
 * const fleet = geo.collection<{ plate: string }>('fleet:berlin', { ttl: '2m' });
 */
@Injectable()
export class GeoService {
  private readonly context: GeoContext;
  private readonly defaultTtl: number;
  private readonly defaults: GeoCollection;

  constructor(registry: RedisRegistry, keyspace: Keyspace, codec: Codec, metrics: MetricsService, @Inject(REDIS_MODULE_OPTIONS) moduleOptions: RedisModuleOptions) {
    const settings = resolveGeoSettings(moduleOptions.geo);
    const connection = registry.get(settings.connection);
    this.context = {
      connection,
      keys: keyspace.scope('geo'),
      codec,
      metrics: new GeoMetrics(metrics),
      budget: settings.commandTimeout ?? connection.commandTimeout,
      maxResults: settings.maxResults,
      maxMetaSize: settings.maxMetaSize,
    };
    this.defaultTtl = settings.ttl;
    this.defaults = new GeoCollection(this.context, DEFAULT_GEO_COLLECTION, this.defaultTtl);
  }

  /**
   * The collection `name` (a key part: any non-empty string or number, encoded; it is the
   * collection's hash tag). Cheap: build one per call or keep it.
   */
  collection<M = unknown>(name: KeyPart, options: GeoCollectionOptions = {}): GeoCollection<M> {
    const ttl = options.ttl === undefined ? this.defaultTtl : toPositiveMs(options.ttl, 'ttl');
    return new GeoCollection<M>(this.context, collectionName(name), ttl);
  }

  /** {@link GeoCollection.update} on the default collection. */
  update<M = unknown>(id: string, lat: number, lng: number, meta?: M | null): Promise<number> {
    return (this.defaults as GeoCollection<M>).update(id, lat, lng, meta);
  }

  /** {@link GeoCollection.nearby} on the default collection. */
  nearby<M = unknown>(lat: number, lng: number, radius: number, options?: NearbyOptions): Promise<GeoMember<M>[]> {
    return (this.defaults as GeoCollection<M>).nearby(lat, lng, radius, options);
  }

  /** {@link GeoCollection.remove} on the default collection. */
  remove(id: string): Promise<boolean> {
    return this.defaults.remove(id);
  }
}
