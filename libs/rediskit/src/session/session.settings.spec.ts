import { describe, expect, it } from '@jest/globals';
import { RediskitConfigError } from '../errors.js';
import { validateModuleOptions } from '../redis-module.validation.js';
import { resolveSessionSettings } from './session.settings.js';

describe('session options', () => {
  it('default from the NODE_ENV column of SESSION_TTL and MAX_SESSIONS_PER_USER', () => {
    const s = resolveSessionSettings({}, 'production');
    expect(s).toMatchObject({ ttl: 30 * 60_000, maxPerUser: 5, absoluteTimeout: 12 * 3_600_000, touchInterval: 60_000 });
    expect(s.cookie).toMatchObject({ name: 'sid', httpOnly: true, secure: true, sameSite: 'lax', persistent: false });
    expect(s.tokenSources).toEqual(['cookie', 'header']);
  });

  it('accept durations as strings, keep the touch interval below the idle timeout', () => {
    const s = resolveSessionSettings({ ttl: '2s', absoluteTimeout: '1m', touchInterval: '1h' });
    expect(s).toMatchObject({ ttl: 2000, absoluteTimeout: 60_000, touchInterval: 2000 });
    expect(resolveSessionSettings({ ttl: '10m' }).touchInterval).toBe(60_000);
    expect(resolveSessionSettings({ ttl: '10s' }).touchInterval).toBe(1000);
  });

  it('fail at boot listing every bad session field', () => {
    let error: RediskitConfigError | undefined;
    try {
      validateModuleOptions({
        connection: { url: 'redis://localhost' },
        session: {
          ttl: 'soon',
          maxPerUser: 0,
          cookie: { name: 'a b', sameSite: 'none', secure: false },
          tokenSources: ['query' as never],
          riskThresholds: { deny: 2 },
          riskAssessor: 'no' as never,
        },
      });
    } catch (e) {
      error = e as RediskitConfigError;
    }
    expect(error).toBeInstanceOf(RediskitConfigError);
    for (const field of ['session.ttl', 'session.maxPerUser', 'session.cookie.name', 'session.cookie.sameSite', 'session.tokenSources', 'session.riskThresholds.deny', 'session.riskAssessor']) {
      expect(error!.problems.join('\n')).toContain(field);
    }
  });
});
