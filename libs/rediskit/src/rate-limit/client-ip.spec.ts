import { describe, expect, it } from '@jest/globals';
import { clientIp, normalizeIp } from './client-ip.js';

describe('normalizeIp', () => {
  it.each([
    ['203.0.113.7', 64, '203.0.113.7'],
    ['::ffff:203.0.113.7', 64, '203.0.113.7'],
    ['::ffff:cb00:7107', 64, '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', 64, '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::ffff', 64, '2001:db8:1:2::/64'],
    ['2001:db8:1:2:3:4:5:6', 48, '2001:db8:1::/48'],
    ['2001:db8:1:2ff:3:4:5:6', 56, '2001:db8:1:200::/56'],
    ['2001:db8::1', 128, '2001:db8::1'],
    ['fe80::1%eth0', 64, 'fe80::/64'],
    ['[2001:db8::1]', 64, '2001:db8::/64'],
    ['::1', 128, '::1'],
    ['1:0:0:1:0:0:0:1', 128, '1:0:0:1::1'],
    ['not-an-ip', 64, 'not-an-ip'],
  ])('%s /%d → %s', (ip, subnet, expected) => {
    expect(normalizeIp(ip, subnet)).toBe(expected);
  });

  it('groups every address of a /64 together and separates neighbours', () => {
    expect(normalizeIp('2001:db8:aa:bb::1')).toBe(normalizeIp('2001:db8:aa:bb:ffff:ffff:ffff:ffff'));
    expect(normalizeIp('2001:db8:aa:bb::1')).not.toBe(normalizeIp('2001:db8:aa:bc::1'));
  });

  it('reads req.ip (the framework applied trust proxy) and never X-Forwarded-For', () => {
    expect(clientIp({ ip: '10.0.0.1', headers: { 'x-forwarded-for': '1.2.3.4' } } as never)).toBe('10.0.0.1');
    expect(clientIp({ socket: { remoteAddress: '::ffff:127.0.0.1' } })).toBe('127.0.0.1');
    expect(clientIp(undefined)).toBeUndefined();
  });
});
