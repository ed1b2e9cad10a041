import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { runInRequestContext } from './request-context.js';
import { RediskitLogger } from './rediskit-logger.js';

describe('RediskitLogger', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('ends each line with the request id inside a request, and leaves it alone outside', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const logger = new RediskitLogger('Test');
    logger.warn('outside');
    runInRequestContext(() => {
      logger.warn('inside');
      logger.error('failed', 'the stack');
    }, { requestId: 'req-9' });
    expect(warn.mock.calls.map((c) => c[0])).toEqual(['outside', 'inside (request req-9)']);
    expect(error.mock.calls[0]).toEqual(['failed (request req-9)', 'the stack']);
  });

  it('leaves a message that is not a string as it is', () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const object = { event: 'x' };
    runInRequestContext(() => new RediskitLogger('Test').log(object), { requestId: 'req-1' });
    expect(log.mock.calls[0][0]).toBe(object);
  });
});
