import type { RateLimitRule } from './rate-limit.options.js';

/**
 * Ready-made policies; spread them and override what you need (`key`, `failure`...).
 * The small security presets use the exact sliding log (a few entries per client); the API
 * default uses the constant-memory sliding counter.
 *
 * | preset | limit | algorithm |
 * |---|---|---|
 * | API_DEFAULT | 100 per 15 min | sliding-window-counter |
 * | AUTH | 5 per 15 min | sliding-window-log |
 * | PAYMENT | 10 per hour | sliding-window-log |
 * | BIOMETRIC | 3 per 5 min | sliding-window-log |
 *
 * @example
 * @RateLimit({ ...RateLimitPresets.AUTH, key: 'ip' })
 * @Post('login') login() {}
 */
export const RateLimitPresets = Object.freeze({
  API_DEFAULT: Object.freeze({ name: 'api', limit: 100, window: '15m', algorithm: 'sliding-window-counter' }),
  AUTH: Object.freeze({ name: 'auth', limit: 5, window: '15m', algorithm: 'sliding-window-log' }),
  PAYMENT: Object.freeze({ name: 'payment', limit: 10, window: '1h', algorithm: 'sliding-window-log' }),
  BIOMETRIC: Object.freeze({ name: 'biometric', limit: 3, window: '5m', algorithm: 'sliding-window-log' }),
}) satisfies Record<string, RateLimitRule>;

/** The name of a {@link RateLimitPresets} entry. */
export type RateLimitPresetName = keyof typeof RateLimitPresets;
