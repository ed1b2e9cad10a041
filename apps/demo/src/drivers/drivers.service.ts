import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { GeoService, type GeoCollection } from 'nestjs-rediskit';
import { DEMO_CONFIG, type DemoConfig } from '../config/demo.config.js';
import type { NearbyDriverDto } from './drivers.dto.js';

/** A driver who has not reported for this long is no longer offered. */
const STALE_AFTER = '2m';
const MAX_RESULTS = 50;

/**
 * Driver positions as a real-time cache: a `GeoService` collection, whose members drop out
 * when they stop reporting. Each call is one script on one Redis node (the collection is one
 * hash tag). Positions are never written to the database: they are stale within seconds anyway.
 */
@Injectable()
export class DriversService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DriversService.name);
  private readonly drivers: GeoCollection;
  private simulation?: NodeJS.Timeout;

  constructor(
    geo: GeoService,
    @Inject(DEMO_CONFIG) private readonly config: DemoConfig,
  ) {
    this.drivers = geo.collection('drivers', { ttl: STALE_AFTER });
  }

  /** Stores a position; returns how many drivers are known. */
  updateLocation(id: string, lat: number, lng: number): Promise<number> {
    return this.drivers.update(id, lat, lng);
  }

  /** Drivers within `km` of a point, nearest first. */
  async nearby(lat: number, lng: number, km: number): Promise<NearbyDriverDto[]> {
    const found = await this.drivers.nearby(lat, lng, km, { unit: 'km', limit: MAX_RESULTS });
    return found.map((d) => ({ id: d.id, distanceKm: d.distance, lat: d.lat, lng: d.lng }));
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
