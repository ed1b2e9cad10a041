import { isIPv4, isIPv6 } from 'node:net';
import { RATE_LIMIT_DEFAULTS } from './rate-limit.settings.js';

/**
 * The client address as the HTTP framework computed it: Express `req.ip` (honours the app's
 * `trust proxy` setting) or Fastify `request.ip` (honours `trustProxy`). Headers such as
 * X-Forwarded-For are never read here, so a client cannot choose its own address unless the
 * app trusts the proxy that set them. IPv6 addresses are grouped by `ipv6Subnet` (default /64:
 * one customer usually holds a whole /64, so per-address limits would be trivial to dodge).
 *
 * @example
 * clientIp(req)              // '203.0.113.7' or '2001:db8:1:2::/64'
 */
export function clientIp(request: { ip?: string; socket?: { remoteAddress?: string } } | undefined, ipv6Subnet: number = RATE_LIMIT_DEFAULTS.ipv6Subnet): string | undefined {
  const raw = request?.ip ?? request?.socket?.remoteAddress;
  return raw ? normalizeIp(raw, ipv6Subnet) : undefined;
}

/**
 * IPv4 as is (also when IPv4-mapped, `::ffff:1.2.3.4`); IPv6 masked to `subnet` bits and
 * written `prefix/subnet` in compressed form. Anything else is returned unchanged.
 *
 * @example
 * normalizeIp('2001:db8::1', 64)     // '2001:db8::/64'
 * normalizeIp('::ffff:10.0.0.1')     // '10.0.0.1'
 */
export function normalizeIp(address: string, subnet = 64): string {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return address;
  const hextets = expand(ip);
  if (hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff) {
    return `${hextets[6] >> 8}.${hextets[6] & 255}.${hextets[7] >> 8}.${hextets[7] & 255}`;
  }
  if (subnet >= 128) return compress(hextets);
  const masked = hextets.map((h, i) => {
    const keep = Math.min(16, Math.max(0, subnet - i * 16));
    return keep === 0 ? 0 : h & ((0xffff << (16 - keep)) & 0xffff);
  });
  return `${compress(masked)}/${subnet}`;
}

// Eight 16-bit groups of a valid IPv6 address (a trailing dotted IPv4 becomes two groups).
function expand(ip: string): number[] {
  let text = ip;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(fill).fill('0'), ...right].map((h) => parseInt(h, 16));
}

// RFC 5952 form: lower case, the longest run (≥ 2) of zero groups shortened to '::'.
function compress(hextets: number[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (hextets[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && hextets[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const hex = hextets.map((h) => h.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}
