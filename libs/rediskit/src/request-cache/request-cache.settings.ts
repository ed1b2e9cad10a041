import type { RequestCacheOptions } from './request-cache.options.js';

/** What the `requestCache` options default to (their `@default` tags say the same). */
export const REQUEST_CACHE_DEFAULTS = { maxEntries: 1000, maxKeyLength: 256 } as const;

/** The `requestCache` options with every default applied. */
export interface RequestCacheSettings {
  maxEntries: number;
  maxKeyLength: number;
}

/** Applies the defaults of {@link RequestCacheOptions}. */
export function resolveRequestCacheSettings(options: RequestCacheOptions = {}): RequestCacheSettings {
  return {
    maxEntries: options.maxEntries ?? REQUEST_CACHE_DEFAULTS.maxEntries,
    maxKeyLength: options.maxKeyLength ?? REQUEST_CACHE_DEFAULTS.maxKeyLength,
  };
}
