import { defineCapability } from '../capability.js';
import { RequestCacheActivation } from './request-cache.activation.js';
import { RequestCacheOptionsDto } from './request-cache.options.js';
import { RequestCache } from './request-cache.service.js';

/** Memoization within one request: `RequestCache`, `@RequestCached`. */
export const requestCacheCapability = defineCapability({
  section: 'requestCache',
  optionsDto: RequestCacheOptionsDto,
  providers: [RequestCache, RequestCacheActivation],
});
