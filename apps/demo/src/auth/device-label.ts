/** "Firefox on Linux", "curl", ...: a readable label for the sessions list when the client gave none. */
export function deviceLabel(userAgent: string | undefined): string {
  if (!userAgent) return 'unknown device';
  const browser = /(Edg|Firefox|Chrome|Safari|curl|HeadlessChrome|node)/i.exec(userAgent)?.[1] ?? 'browser';
  const os = /(Windows|Mac OS X|Android|iPhone|Linux)/i.exec(userAgent)?.[1];
  return os ? `${browser} on ${os.replace('Mac OS X', 'macOS')}` : browser;
}
