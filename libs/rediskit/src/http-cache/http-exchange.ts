/**
 * The few request and response operations the response cache needs, on Express and on Fastify
 * alike. A Fastify reply keeps headers of its own until it sends, so headers go through
 * `reply.header()`, never the raw Node response.
 */
export interface HttpExchange {
  readonly fastify: boolean;
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  header(name: string): string | undefined;
  /**
   * The host as the framework reports it (`Host`, or `X-Forwarded-Host` when the app's
   * trust-proxy setting trusts the sender: the same rule that decides `request.ip`), port included.
   */
  host(): string;
  params(): Record<string, string> | undefined;
  /** The route's path template (`/products/:id`): a low-cardinality metric label. */
  route(): string;
  status(): number;
  setStatus(code: number): void;
  getResponseHeader(name: string): unknown;
  setResponseHeader(name: string, value: string | number | readonly string[]): void;
  removeResponseHeader(name: string): void;
  /** True when the handler set a cookie (header, or @fastify/cookie's pending cookies). */
  setsCookie(): boolean;
  /** True when the response was already sent (a handler that wrote it itself, `@Res()`). */
  sent(): boolean;
}

/** Wraps a request/response pair of either adapter. */
export function exchangeOf(req: any, res: any): HttpExchange {
  return typeof res?.code === 'function' && res.raw !== undefined ? new FastifyExchange(req, res) : new ExpressExchange(req, res);
}

function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

class ExpressExchange implements HttpExchange {
  readonly fastify = false;
  constructor(
    private readonly req: any,
    private readonly res: any,
  ) {}
  get method(): string {
    return this.req.method;
  }
  get url(): string {
    return this.req.originalUrl ?? this.req.url;
  }
  header(name: string): string | undefined {
    return firstValue(this.req.headers[name]);
  }
  host(): string {
    // Express 5's req.host: X-Forwarded-Host only when 'trust proxy' trusts the socket address.
    // Without that header it is the Host header, read here without asking the trust function.
    const headers = this.req.headers;
    if (!headers['x-forwarded-host']) return headers.host || '';
    return this.req.host ?? '';
  }
  params(): Record<string, string> | undefined {
    return this.req.params;
  }
  route(): string {
    return this.req.route?.path ?? 'unmatched';
  }
  status(): number {
    return this.res.statusCode;
  }
  setStatus(code: number): void {
    this.res.statusCode = code;
  }
  getResponseHeader(name: string): unknown {
    return this.res.getHeader(name);
  }
  setResponseHeader(name: string, value: string | number | readonly string[]): void {
    this.res.setHeader(name, value);
  }
  removeResponseHeader(name: string): void {
    this.res.removeHeader(name);
  }
  setsCookie(): boolean {
    return this.res.getHeader('set-cookie') !== undefined;
  }
  sent(): boolean {
    return this.res.headersSent === true;
  }
}

class FastifyExchange implements HttpExchange {
  readonly fastify = true;
  constructor(
    private readonly req: any,
    private readonly reply: any,
  ) {}
  get method(): string {
    return this.req.method;
  }
  get url(): string {
    return this.req.url;
  }
  header(name: string): string | undefined {
    return firstValue(this.req.headers[name]);
  }
  host(): string {
    // Fastify 5's request.host: X-Forwarded-Host only when `trustProxy` trusts the socket address.
    return this.req.host ?? '';
  }
  params(): Record<string, string> | undefined {
    return this.req.params;
  }
  route(): string {
    return this.req.routeOptions?.url ?? 'unmatched';
  }
  status(): number {
    return this.reply.statusCode;
  }
  setStatus(code: number): void {
    this.reply.code(code);
  }
  getResponseHeader(name: string): unknown {
    return this.reply.getHeader(name);
  }
  setResponseHeader(name: string, value: string | number | readonly string[]): void {
    this.reply.header(name, value);
  }
  removeResponseHeader(name: string): void {
    this.reply.removeHeader(name);
  }
  sent(): boolean {
    return this.reply.sent === true;
  }
  setsCookie(): boolean {
    if (this.reply.getHeader('set-cookie') !== undefined) return true;
    // @fastify/cookie keeps reply.setCookie() values under a symbol until onSend.
    for (const sym of Object.getOwnPropertySymbols(this.reply)) {
      if (sym.description?.toLowerCase().includes('cookie')) {
        const pending = this.reply[sym];
        if (pending && typeof pending.size === 'number' ? pending.size > 0 : !!pending) return true;
      }
    }
    return false;
  }
}
