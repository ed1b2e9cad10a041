import { ArgumentsHost, Catch, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { LockLostError, LockNotAcquiredError, RediskitArgumentError, RediskitCircuitOpenError, RediskitConnectionError, RediskitError } from 'nestjs-rediskit';

/**
 * Library errors as HTTP answers: a bad argument is the client's fault (400), a busy lock is a
 * conflict worth retrying (409), Redis away is 503 (with Retry-After) — never a bare 500.
 */
@Catch(RediskitError)
export class RediskitExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('RediskitExceptionFilter');

  catch(error: RediskitError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof RediskitArgumentError) {
      res.status(HttpStatus.BAD_REQUEST).json({ statusCode: 400, error: error.code, message: error.message });
    } else if (error instanceof LockNotAcquiredError || error instanceof LockLostError) {
      res.status(HttpStatus.CONFLICT).setHeader('Retry-After', '1').json({ statusCode: 409, error: 'BUSY', message: 'Someone else is checking out this product; try again' });
    } else if (error instanceof RediskitCircuitOpenError || error instanceof RediskitConnectionError) {
      this.logger.warn(error.message);
      res.status(HttpStatus.SERVICE_UNAVAILABLE).setHeader('Retry-After', '5').json({ statusCode: 503, error: error.code, message: 'Redis is unavailable; try again shortly' });
    } else {
      this.logger.error(error.stack ?? error.message);
      res.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ statusCode: 500, error: error.code, message: 'Internal server error' });
    }
  }
}
