/** `redis://user:***@host:port/db`: a URL as it may appear in messages, password hidden. */
export function redactUrl(url: string): string {
  // Greedy to the last '@': a password may hold one.
  return url.replace(/^(rediss?:\/\/[^:/@\s]*:).*@/i, '$1***@');
}

/**
 * What is wrong with a connection URL (empty when nothing): scheme `redis://` or `rediss://`,
 * a host name, a port from 1 to 65535, a database index as the path. Messages never contain
 * the password; Node's own `Invalid URL` error would (its `input` is the whole URL).
 */
export function urlProblems(url: unknown): string[] {
  if (typeof url !== 'string') return ['must be a string'];
  const shown = redactUrl(url);
  if (!/^rediss?:\/\//i.test(url)) return [`must start with redis:// or rediss:// (got ${shown})`];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [`is not a valid URL (got ${shown})`];
  }
  const problems: string[] = [];
  if (!parsed.hostname) problems.push(`has no host (got ${shown})`);
  if (parsed.port !== '' && (Number(parsed.port) < 1 || Number(parsed.port) > 65535)) problems.push(`port must be from 1 to 65535 (got ${shown})`);
  if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d{1,5}$/.test(parsed.pathname)) {
    problems.push(`path must be a database index such as /0 (got ${shown})`);
  }
  return problems;
}
