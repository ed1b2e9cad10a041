/** INFO output as `field → value` (section headers and blank lines dropped). */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line.startsWith('#')) continue;
    fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return fields;
}

/** A numeric INFO field, or undefined when missing or not a number. */
export function infoNumber(fields: Record<string, string>, name: string): number | undefined {
  const value = Number(fields[name]);
  return fields[name] !== undefined && Number.isFinite(value) ? value : undefined;
}

/** `host:port` of an ioredis node, for labels and details (never credentials). */
export function nodeAddress(node: { options: { host?: string; port?: number } }): string {
  return `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;
}
