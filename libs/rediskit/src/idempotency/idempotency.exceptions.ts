import { HttpException, HttpStatus } from '@nestjs/common';
import type { RediskitErrorCode } from '../errors.js';

/**
 * A refusal of the idempotency layer: an HTTP exception whose body says what went wrong with a
 * stable `error` code (Nest's own shape), plus `type` and `title` as a problem details body
 * (RFC 9457) would, `type` linking to `idempotency.docsUrl` when set (the draft asks error
 * bodies to point to documentation).
 *
 * | status | code | when |
 * |---|---|---|
 * | 400 | IDEMPOTENCY_KEY_MISSING | the route requires the header and it is absent |
 * | 400 | IDEMPOTENCY_KEY_INVALID | empty, too long or malformed |
 * | 401 | IDEMPOTENCY_CLIENT_UNKNOWN | no client identity to scope the key to |
 * | 409 | IDEMPOTENCY_KEY_IN_USE | the first request with this key is still running (`Retry-After`) |
 * | 409 | IDEMPOTENCY_NOT_REPLAYABLE | the first response could not be stored (too large, a stream) |
 * | 422 | IDEMPOTENCY_KEY_MISMATCH | the key was used for another request (method, path or body) |
 * | 503 | IDEMPOTENCY_UNAVAILABLE | Redis could not be asked within the budget (`failure: 'closed'`) |
 *
 * @example
 * { "statusCode": 422, "error": "IDEMPOTENCY_KEY_MISMATCH", "message": "...", "type": "about:blank", "title": "Unprocessable Content" }
 */
export class IdempotencyException extends HttpException {
  constructor(
    readonly code: RediskitErrorCode,
    status: HttpStatus,
    message: string,
    docsUrl?: string,
  ) {
    super({ statusCode: status, error: code, message, type: docsUrl ?? 'about:blank', title: TITLES[status] ?? 'Error' }, status);
  }
}

const TITLES: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.BAD_REQUEST]: 'Bad Request',
  [HttpStatus.UNAUTHORIZED]: 'Unauthorized',
  [HttpStatus.CONFLICT]: 'Conflict',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'Unprocessable Content',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'Service Unavailable',
};
