import type { Capability } from './capability.js';
import { cacheCapability } from './cache/cache.capability.js';
import { edgeCapability } from './edge/edge.capability.js';
import { databaseInvalidationCapability } from './db-invalidation/db-invalidation.capability.js';
import { geoCapability } from './geo/geo.capability.js';
import { healthCapability } from './health/health.capability.js';
import { idempotencyCapability } from './idempotency/idempotency.capability.js';
import { invalidationCapability } from './invalidation/invalidation.capability.js';
import { httpCacheCapability } from './http-cache/http-cache.capability.js';
import { lockCapability } from './lock/lock.capability.js';
import { pubsubCapability } from './pubsub/pubsub.capability.js';
import { rateLimitCapability } from './rate-limit/rate-limit.capability.js';
import { requestCacheCapability } from './request-cache/request-cache.capability.js';
import { reservationCapability } from './reservation/reservation.capability.js';
import { sessionCapability } from './session/session.capability.js';

/** Every capability `RedisModule` composes. A new capability is its folder plus one line here. */
export const CAPABILITIES: readonly Capability[] = [
  cacheCapability,
  httpCacheCapability,
  sessionCapability,
  rateLimitCapability,
  lockCapability,
  pubsubCapability,
  healthCapability,
  geoCapability,
  reservationCapability,
  idempotencyCapability,
  edgeCapability,
  databaseInvalidationCapability,
  requestCacheCapability,
  invalidationCapability,
] as Capability[];
