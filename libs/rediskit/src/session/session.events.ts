import { EventEmitter } from 'node:events';
import type { SessionEvent, SessionEventType } from './session.types.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

/**
 * The audit trail of sessions in this process: `created`, `rotated`, `destroyed`, `evicted`
 * and `rejected` events, emitted after Redis confirmed the change. Inject it and subscribe, or
 * pass `session.onEvent` in the module options. A listener that throws (or rejects) is logged
 * and never breaks the request that caused the event.
 *
 * Expiry is not an event: Redis drops idle sessions on its own, without telling anyone.
 *
 * @example
 * constructor(events: SessionEvents) {
 *   events.on('evicted', (e) => audit.write('session evicted', e.userId, e.sessionId));
 *   events.onAny((e) => metrics.increment(`session.${e.type}`));
 * }
 */
export class SessionEvents {
  private readonly emitter = new EventEmitter();
  private readonly logger = new RediskitLogger('SessionEvents');

  constructor(private readonly hook?: (event: SessionEvent) => void | Promise<void>) {
    this.emitter.setMaxListeners(0);
  }

  /** Calls `listener` for every event of `type`. Returns a function that unsubscribes. */
  on(type: SessionEventType, listener: (event: SessionEvent) => void | Promise<void>): () => void {
    const wrapped = (event: SessionEvent) => this.invoke(listener, event);
    this.emitter.on(type, wrapped);
    return () => this.emitter.off(type, wrapped);
  }

  /** Calls `listener` for every event. Returns a function that unsubscribes. */
  onAny(listener: (event: SessionEvent) => void | Promise<void>): () => void {
    return this.on('*' as SessionEventType, listener);
  }

  /** Delivers an event to the options hook and to every listener. */
  emit(event: SessionEvent): void {
    if (this.hook) this.invoke(this.hook, event);
    this.emitter.emit(event.type, event);
    this.emitter.emit('*', event);
  }

  private invoke(listener: (event: SessionEvent) => void | Promise<void>, event: SessionEvent): void {
    try {
      const result = listener(event);
      if (result && typeof (result as Promise<void>).catch === 'function') (result as Promise<void>).catch((e) => this.report(e, event));
    } catch (error) {
      this.report(error, event);
    }
  }

  private report(error: unknown, event: SessionEvent): void {
    this.logger.error(`A listener of session event "${event.type}" failed: ${(error as Error)?.message ?? error}`);
  }
}
