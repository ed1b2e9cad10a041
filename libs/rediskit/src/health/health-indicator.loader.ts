import { importOptional } from '../options/optional-peer.js';

/** `{ [key]: { status, ...details } }`, the shape `@nestjs/terminus` expects from an indicator. */
export type IndicatorResult<Key extends string, Details extends object> = Record<Key, { status: 'up' | 'down' } & Details>;

/** The part of terminus' `HealthIndicatorSession` the indicators use. */
export interface IndicatorSession<Key extends string> {
  up<T extends object>(data: T): IndicatorResult<Key, T>;
  down<T extends object>(data: T): IndicatorResult<Key, T>;
}

/** The part of terminus' `HealthIndicatorService` the indicators use. */
export interface IndicatorService {
  check<const Key extends string>(key: Key): IndicatorSession<Key>;
}

/** Injection token of the {@link IndicatorService} the Redis indicators report through. */
export const HEALTH_INDICATOR_SERVICE = Symbol('rediskit:HealthIndicatorService');

/** Builds the same `{ [key]: { status, ...details } }` objects when terminus is not installed. */
const standalone: IndicatorService = {
  check: <const Key extends string>(key: Key): IndicatorSession<Key> => ({
    up: (data) => ({ [key]: { ...data, status: 'up' } }) as never,
    down: (data) => ({ [key]: { ...data, status: 'down' } }) as never,
  }),
};

/**
 * `@nestjs/terminus` is an optional peer, so it is imported only here, at boot, and only if it
 * is installed: the library loads without it. With terminus the indicators report through its
 * `HealthIndicatorService` (the v11+ API, not the deprecated `HealthIndicator` base class);
 * without it they return the same plain result objects, usable from any controller.
 */
export async function loadHealthIndicatorService(): Promise<IndicatorService> {
  const terminus = await importOptional('@nestjs/terminus', () => import('@nestjs/terminus'));
  return terminus ? (new terminus.HealthIndicatorService() as unknown as IndicatorService) : standalone;
}
