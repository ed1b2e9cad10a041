import { resolveCommandSettings, type CommandSettings } from '../options/command-settings.js';
import { toPositiveMs } from '../options/duration.js';
import { sessionOf } from '../session/index.js';
import type { IdempotencyFailurePolicy, IdempotencyIdentifyFn, IdempotencyOptions } from './idempotency.options.js';

/** What the `idempotency` options default to (their `@default` tags say the same). */
export const IDEMPOTENCY_DEFAULTS = {
  ttl: 24 * 3600_000,
  inProgressTtl: 60_000,
  header: 'idempotency-key',
  maxKeyLength: 255,
  required: true,
  maxBodySize: 64 * 1024,
  storeHeaders: ['location', 'content-location', 'etag', 'last-modified'],
  failure: 'closed',
} as const;

/** Who made a request by default: the rediskit session's user, then `request.user`. */
export const defaultIdempotencyIdentify: IdempotencyIdentifyFn = (request: any) => {
  const id = sessionOf(request)?.userId ?? request?.user?.id ?? request?.user?.sub;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
};

/** The `idempotency` options with every default applied, durations in ms; `@Idempotent` options are laid over them per route. */
export interface IdempotencySettings extends CommandSettings {
  ttl: number;
  inProgressTtl: number;
  /** Lower case. */
  header: string;
  maxKeyLength: number;
  required: boolean;
  maxBodySize: number;
  /** Lower case, without `set-cookie`. */
  storeHeaders: readonly string[];
  identify: IdempotencyIdentifyFn;
  failure: IdempotencyFailurePolicy;
  docsUrl?: string;
}

/** Applies the defaults of {@link IdempotencyOptions}. */
export function resolveIdempotencySettings(options: IdempotencyOptions = {}): IdempotencySettings {
  return {
    ...resolveCommandSettings(options, 'idempotency'),
    ttl: toPositiveMs(options.ttl ?? IDEMPOTENCY_DEFAULTS.ttl, 'idempotency.ttl'),
    inProgressTtl: toPositiveMs(options.inProgressTtl ?? IDEMPOTENCY_DEFAULTS.inProgressTtl, 'idempotency.inProgressTtl'),
    header: (options.header ?? IDEMPOTENCY_DEFAULTS.header).toLowerCase(),
    maxKeyLength: options.maxKeyLength ?? IDEMPOTENCY_DEFAULTS.maxKeyLength,
    required: options.required ?? IDEMPOTENCY_DEFAULTS.required,
    maxBodySize: options.maxBodySize ?? IDEMPOTENCY_DEFAULTS.maxBodySize,
    // Cookies are never replayed: one set for the first response is not handed out again.
    storeHeaders: [...new Set((options.storeHeaders ?? IDEMPOTENCY_DEFAULTS.storeHeaders).map((h) => h.toLowerCase()))].filter((h) => h !== 'set-cookie'),
    identify: options.identify ?? defaultIdempotencyIdentify,
    failure: options.failure ?? IDEMPOTENCY_DEFAULTS.failure,
    docsUrl: options.docsUrl,
  };
}
