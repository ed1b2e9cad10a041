import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { RediskitConfigError } from './errors.js';
import { validateModuleOptions } from './redis-module.validation.js';

const problemsOf = (options: unknown): string[] => {
  try {
    validateModuleOptions(options as never);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(RediskitConfigError);
    return (e as RediskitConfigError).problems;
  }
};

describe('validateModuleOptions', () => {
  it('accepts every topology', () => {
    expect(problemsOf({ connection: { url: 'redis://localhost:6379' } })).toEqual([]);
    expect(problemsOf({ connection: { host: 'h', port: 1, db: 2, connectTimeout: '5s' } })).toEqual([]);
    expect(problemsOf({ connection: { sentinels: [{ host: 's', port: 26379 }], name: 'm' } })).toEqual([]);
    expect(problemsOf({ connection: { cluster: { nodes: [{ host: 'c', port: 7000 }], scaleReads: 'slave' } } })).toEqual([]);
  });

  it('checks the tracing section with the rest', () => {
    expect(problemsOf({ connection: { url: 'redis://localhost:6379' }, tracing: { enabled: false, propagate: true } })).toEqual([]);
    const problems = problemsOf({ connection: { url: 'redis://localhost:6379' }, tracing: { enabled: 'yes', propagate: 1 } });
    expect(problems).toEqual([expect.stringMatching(/^tracing\.enabled/), expect.stringMatching(/^tracing\.propagate/)]);
  });

  it('takes requestContext as a boolean only', () => {
    expect(problemsOf({ connection: { url: 'redis://localhost:6379' }, requestContext: false })).toEqual([]);
    expect(problemsOf({ connection: { url: 'redis://localhost:6379' }, requestContext: 'yes', readyTimeout: 0 })).toEqual([
      expect.stringMatching(/^readyTimeout/),
      expect.stringMatching(/^requestContext/),
    ]);
  });

  it('lists every bad field in one error', () => {
    const problems = problemsOf({
      connection: { url: 'http://x', commandTimeout: 'soon' },
      connections: { reports: { sentinels: [{ host: 's', port: 0 }] } },
      keyspace: { env: 'prod*' },
      circuitBreaker: { recoveryTimeout: -1 },
      codec: { compression: { algorithm: 'zip' } },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^connection.url: url must start with redis/),
        expect.stringMatching(/^connection.commandTimeout/),
        expect.stringMatching(/^connections.reports.sentinels.0.port/),
        expect.stringMatching(/^connections.reports.name/),
        expect.stringMatching(/^keyspace.env/),
        expect.stringMatching(/^circuitBreaker.recoveryTimeout/),
        expect.stringMatching(/^codec.compression.algorithm/),
      ]),
    );
  });

  it('checks the cache memory layer\'s coherence mode', () => {
    expect(problemsOf({ connection: { url: 'redis://localhost:6379' }, cache: { l1: { coherence: 'tracking' } } })).toEqual([]);
    expect(problemsOf({ connection: { url: 'redis://localhost:6379' }, cache: { l1: { coherence: 'sometimes' } } })).toEqual([expect.stringMatching(/^cache.l1.coherence/)]);
  });

  it('refuses two topologies in one connection', () => {
    expect(problemsOf({ connection: { url: 'redis://a', cluster: { nodes: [{ host: 'c', port: 1 }] } } })).toEqual([
      expect.stringContaining('choose one topology'),
    ]);
  });

  it('accepts serializer and compressor instances whose constructors take arguments', () => {
    class Custom {
      readonly marker = 0x10;
      constructor(readonly required: string) {
        if (!required) throw new Error('constructed without arguments');
      }
      serialize = (v: unknown) => Buffer.from(JSON.stringify(v));
      deserialize = (b: Buffer, o: number) => JSON.parse(b.toString('utf8', o));
    }
    expect(problemsOf({ connection: { url: 'redis://x' }, codec: { serializer: new Custom('x'), compression: { algorithm: { compress: (b: Buffer) => b, decompress: (b: Buffer) => b } } } })).toEqual([]);
  });

  it('requires a connection', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^connection: is required/)]);
  });

  it('refuses durations beyond their representable range and multi-character separators', () => {
    const problems = problemsOf({
      connection: { url: 'redis://localhost:6379' },
      keyspace: { separator: '--' },
      rateLimit: { defaults: [{ limit: 5, window: '1m', blockDuration: 1e17 }, { limit: 1e15, window: '1m' }] },
      lock: { defaultTtl: '30d' },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^keyspace.separator: .*one punctuation character/),
        expect.stringMatching(/^rateLimit.defaults.0.blockDuration: .*at most 3155760000000 ms/),
        expect.stringMatching(/^rateLimit.defaults.1.limit: /),
        expect.stringMatching(/^lock.defaultTtl: .*at most 2147483647 ms/),
      ]),
    );
  });

  it('validates URLs with the other options and never shows their password', () => {
    const problems = problemsOf({
      connection: { url: 'redis://app:s3cret@cache.internal:99999' },
      connections: { a: { url: 'redis://app:s3cret@bad host:6379' }, b: { url: 'redis://:s3cret@h:6379/x' }, c: { host: 'bad host' } },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^connection.url: url is not a valid URL \(got redis:\/\/app:\*\*\*@cache.internal:99999\)/),
        expect.stringMatching(/^connections.a.url: url is not a valid URL/),
        expect.stringMatching(/^connections.b.url: url path must be a database index/),
        expect.stringMatching(/^connections.c.host: host must be a host name/),
      ]),
    );
    expect(problems.join('\n')).not.toContain('s3cret');
    let error: unknown;
    try {
      validateModuleOptions({ connection: { url: 'redis://app:s3cret@cache.internal:99999' } } as never);
    } catch (e) {
      error = e;
    }
    expect(inspect(error, { depth: 10 })).not.toContain('s3cret');
  });
});
