import { Injectable } from '@nestjs/common';

/**
 * Whether this application's HTTP requests need a request context. On Node 20 an entered
 * AsyncLocalStorage costs every promise of the process, not only the requests that use it, so
 * RedisModule installs the context only when the options say `requestContext: true` or a
 * capability asks for it at boot (the request cache does when the application uses it).
 */
@Injectable()
export class RequestContextDemand {
  private asked = false;

  /** Asks for a request context around every HTTP request (at boot, before the routes are registered). */
  want(): void {
    this.asked = true;
  }

  get wanted(): boolean {
    return this.asked;
  }
}
