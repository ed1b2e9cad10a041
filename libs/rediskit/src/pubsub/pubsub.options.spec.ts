import { describe, expect, it } from '@jest/globals';
import { RediskitConfigError } from '../errors.js';
import { validateModuleOptions } from '../redis-module.validation.js';

describe('pubsub options', () => {
  it('accepts valid options', () => {
    expect(() =>
      validateModuleOptions({ connection: { url: 'redis://x' }, pubsub: { sharded: true, source: 'api-1', reconnect: { maxDelay: '1s' }, inbox: { maxLength: 50, retention: '3d' }, maxMessageSize: 4096 } }),
    ).not.toThrow();
  });

  it('maxMessageSize is a whole number of bytes from 1 KiB to 512 MiB', () => {
    for (const bad of [1023, 512 * 1024 * 1024 + 1, 1.5, '1mb']) {
      expect(() => validateModuleOptions({ connection: { url: 'redis://x' }, pubsub: { maxMessageSize: bad as never } })).toThrow(/pubsub\.maxMessageSize/);
    }
  });

  it('fails at boot listing every bad field', () => {
    try {
      validateModuleOptions({
        connection: { url: 'redis://x' },
        pubsub: { sharded: 'yes', source: '', reconnect: { baseDelay: 'soon' }, inbox: { maxLength: 0, retention: 'forever' }, maxMessageSize: 100 } as never,
      });
      throw new Error('expected a RediskitConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(RediskitConfigError);
      const problems = (error as RediskitConfigError).problems.join('\n');
      for (const field of ['pubsub.sharded', 'pubsub.source', 'pubsub.reconnect.baseDelay', 'pubsub.inbox.maxLength', 'pubsub.inbox.retention', 'pubsub.maxMessageSize']) {
        expect(problems).toContain(field);
      }
    }
  });
});
