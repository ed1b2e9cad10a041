import { Logger } from '@nestjs/common';
import { currentRequestId } from './request-context.js';

/** A message with the current request's id appended, when there is one. */
export function withRequestId(message: unknown): unknown {
  const id = currentRequestId();
  return id === undefined || typeof message !== 'string' ? message : `${message} (request ${id})`;
}

/**
 * Nest's `Logger` for the library's own log lines: inside a request context, each line ends
 * with ` (request <id>)`, so a warning written while serving a request can be found with the
 * request's `X-Request-Id`. The library creates every logger with this class (a test checks).
 */
export class RediskitLogger extends Logger {
  override log(message: unknown, ...rest: unknown[]): void {
    super.log(withRequestId(message), ...(rest as string[]));
  }

  override error(message: unknown, ...rest: unknown[]): void {
    super.error(withRequestId(message), ...(rest as string[]));
  }

  override warn(message: unknown, ...rest: unknown[]): void {
    super.warn(withRequestId(message), ...(rest as string[]));
  }

  override debug(message: unknown, ...rest: unknown[]): void {
    super.debug(withRequestId(message), ...(rest as string[]));
  }

  override verbose(message: unknown, ...rest: unknown[]): void {
    super.verbose(withRequestId(message), ...(rest as string[]));
  }

  override fatal(message: unknown, ...rest: unknown[]): void {
    super.fatal(withRequestId(message), ...(rest as string[]));
  }
}
