/**
 * The suites that always run as the least-privileged ACL user: their standalone servers start
 * from deploy/redis/redis.conf and users.acl and hand out URLs with rediskit-app's credentials,
 * so a command missing from its list fails them. They cover each capability that talks to
 * Redis, the HTTP response cache, the guards and the health monitor (INFO, SLOWLOG). No cluster
 * or Sentinel suite is listed: their clients seed bare { host, port }, without credentials.
 */
export const ACL_SUITES = [
  'test/deploy/acl-canary.int-spec.ts',
  'test/cache/cache.standalone.int-spec.ts',
  'test/session/session.standalone.int-spec.ts',
  'test/rate-limit/standalone.int-spec.ts',
  'test/lock/lock.standalone.int-spec.ts',
  'test/pubsub/standalone.int-spec.ts',
  'test/geo/geo.standalone.int-spec.ts',
  'test/reservation/reservation.standalone.int-spec.ts',
  'test/idempotency/idempotency.standalone.e2e-spec.ts',
  'test/invalidation/invalidation.standalone.int-spec.ts',
  'test/health/health.int-spec.ts',
  'test/health/metrics.int-spec.ts',
  'test/http-cache/http-cache.e2e-spec.ts',
  'test/rate-limit/guard.e2e-spec.ts',
  'test/session/session-guard.e2e-spec.ts',
];
