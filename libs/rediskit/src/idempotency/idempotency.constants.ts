/** Metadata key of `@Idempotent` (the route's options). */
export const IDEMPOTENT_KEY = 'rediskit:idempotent';
/** The header a replayed response carries. */
export const REPLAYED_HEADER = 'idempotent-replayed';
