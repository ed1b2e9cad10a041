import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Keyspace, RedisRegistry } from 'nestjs-rediskit';
import { DEMO_CONFIG, type DemoConfig } from '../config/demo.config.js';
import { nearbyScript } from './nearby.lua.js';
import { updateLocationScript } from './update-location.lua.js';
import type { NearbyDriverDto } from './drivers.dto.js';

/** A driver who has not reported for this long is no longer offered. */
const STALE_AFTER_MS = 2 * 60_000;
const MAX_RESULTS = 50;

/**
 * Driver positions as a real-time cache: Redis GEO (GEOADD / GEOSEARCH) plus a "last seen"
 * sorted set, both under one hash tag so each operation is one script on a cluster too.
 * Positions are never written to the database: they are stale within seconds anyway.
 */
@Injectable()
export class DriversService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DriversService.name);
  private readonly keys: [string, string];
  private simulation?: NodeJS.Timeout;

  constructor(
    private readonly registry: RedisRegistry,
    keyspace: Keyspace,
    @Inject(DEMO_CONFIG) private readonly config: DemoConfig,
  ) {
    this.keys = [keyspace.slotted('drivers', 'fleet', 'positions'), keyspace.slotted('drivers', 'fleet', 'seen')];
  }

  /** Stores a position; returns how many drivers are known. */
  async updateLocation(id: string, lat: number, lng: number): Promise<number> {
    return this.registry.get().script<number>(updateLocationScript, this.keys, [id, lng, lat, STALE_AFTER_MS]);
  }

  /** Drivers within `km` of a point, nearest first. */
  async nearby(lat: number, lng: number, km: number): Promise<NearbyDriverDto[]> {
    const rows = await this.registry.get().script<[string, string, [string, string]][]>(nearbyScript, this.keys, [lng, lat, km, STALE_AFTER_MS, MAX_RESULTS]);
    return rows.map(([id, dist, [lon, la]]) => ({ id, distanceKm: Number(dist), lat: Number(la), lng: Number(lon) }));
  }

  /** Unless DEMO_SIMULATE_DRIVERS=false, a few drivers wander around Berlin, so /drivers/nearby has answers. */
  onApplicationBootstrap(): void {
    if (!this.config.simulateDrivers) return;
    const fleet = Array.from({ length: 6 }, (_, i) => ({ id: `driver-${i + 1}`, lat: 52.52 + (i - 3) * 0.01, lng: 13.405 + ((i * 7) % 5 - 2) * 0.012 }));
    const tick = () => {
      for (const d of fleet) {
        d.lat += (Math.random() - 0.5) * 0.002;
        d.lng += (Math.random() - 0.5) * 0.003;
        this.updateLocation(d.id, d.lat, d.lng).catch((e: Error) => this.logger.warn(`simulated driver update failed: ${e.message}`));
      }
    };
    tick();
    this.simulation = setInterval(tick, 5000);
    this.simulation.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.simulation);
  }
}
