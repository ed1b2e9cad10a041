import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the stub received. */
export interface StubRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** When it arrived (ms, performance.now()). */
  at: number;
}

/** How the stub answers one request. */
export interface StubAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A local stand-in for a CDN's purge API (node:http on a free port): it records every request
 * and answers with `answer(request, index)`, 200 `{"status":"ok","success":true}` by default.
 * Tests check what reached it: auth header, batch sizes, retries.
 */
export class CdnStub {
  readonly requests: StubRequest[] = [];
  answer: (request: StubRequest, index: number) => StubAnswer | Promise<StubAnswer> = () => ({ status: 200, body: '{"status":"ok","success":true}' });

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<CdnStub> {
    let stub!: CdnStub;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), at: performance.now() };
        const index = stub.requests.push(request) - 1;
        Promise.resolve(stub.answer(request, index)).then(
          (a) => res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body ?? ''),
          () => res.destroy(),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stub = new CdnStub(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return stub;
  }

  /** Tags of every request, in order, as the adapter sent them. */
  tagsOf(read: (r: StubRequest) => string[]): string[][] {
    return this.requests.map(read);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

export const fastlyTags = (r: StubRequest): string[] => (JSON.parse(r.body || '{}') as { surrogate_keys?: string[] }).surrogate_keys ?? [];
export const cloudflareTags = (r: StubRequest): string[] => (JSON.parse(r.body || '{}') as { tags?: string[] }).tags ?? [];
