import { HttpException, HttpStatus } from '@nestjs/common';
import type { RediskitErrorCode } from '../errors.js';

/**
 * 429: a rate limit refused the request. The body names the refusing policies
 * (`violatedPolicies`, as in the draft's quota-exceeded problem type); the guard has set
 * `Retry-After` and the `RateLimit` headers.
 *
 * @example
 * { "statusCode": 429, "message": "Too Many Requests", "violatedPolicies": ["auth"] }
 */
export class RateLimitExceededException extends HttpException {
  readonly code: RediskitErrorCode = 'RATE_LIMITED';
  constructor(readonly violatedPolicies: string[]) {
    super({ statusCode: HttpStatus.TOO_MANY_REQUESTS, message: 'Too Many Requests', violatedPolicies }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/**
 * 503: the limiter could not ask Redis and the policy fails closed, so the request was not
 * judged over its quota but cannot be admitted either. Carries `Retry-After`.
 */
export class RateLimiterUnavailableException extends HttpException {
  readonly code: RediskitErrorCode = 'RATE_LIMITER_UNAVAILABLE';
  constructor(readonly violatedPolicies: string[]) {
    super({ statusCode: HttpStatus.SERVICE_UNAVAILABLE, message: 'Rate limiter unavailable', violatedPolicies }, HttpStatus.SERVICE_UNAVAILABLE);
  }
}
