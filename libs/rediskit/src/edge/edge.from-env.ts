import type { EnvReader } from '../options/env-reader.js';
import type { EdgeOptions } from './edge.options.js';

/**
 * The `edge` section from environment variables, or undefined when none names a provider:
 * `EDGE_VARNISH_SERVERS` (comma-separated base URLs, with `EDGE_VARNISH_MODE`),
 * `EDGE_FASTLY_SERVICE_ID` + `EDGE_FASTLY_API_KEY`, `EDGE_CLOUDFLARE_ZONE_ID` +
 * `EDGE_CLOUDFLARE_API_TOKEN`, and `EDGE_MAX_QUEUE`. Setting two providers fails at boot.
 */
export function edgeFromEnv(read: EnvReader): EdgeOptions | undefined {
  const servers = read.string('EDGE_VARNISH_SERVERS');
  const mode = read.string('EDGE_VARNISH_MODE');
  if (mode !== undefined && mode !== 'xkey' && mode !== 'ban') read.problems.push(`EDGE_VARNISH_MODE: must be xkey or ban, got "${mode}"`);
  const fastly = { serviceId: read.string('EDGE_FASTLY_SERVICE_ID'), apiKey: read.string('EDGE_FASTLY_API_KEY') };
  const cloudflare = { zoneId: read.string('EDGE_CLOUDFLARE_ZONE_ID'), apiToken: read.string('EDGE_CLOUDFLARE_API_TOKEN') };
  const options: EdgeOptions = {
    ...(servers && { varnish: { servers: servers.split(',').map((s) => s.trim()), ...(mode && { mode: mode as 'xkey' | 'ban' }) } }),
    ...((fastly.serviceId || fastly.apiKey) && { fastly: fastly as { serviceId: string; apiKey: string } }),
    ...((cloudflare.zoneId || cloudflare.apiToken) && { cloudflare: cloudflare as { zoneId: string; apiToken: string } }),
  };
  if (Object.keys(options).length === 0) return undefined;
  const maxQueue = read.int('EDGE_MAX_QUEUE', 1, 1_000_000);
  return maxQueue === undefined ? options : { ...options, maxQueue };
}
