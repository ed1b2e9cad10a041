import type { ModuleRef } from '@nestjs/core';
import { importOptional } from '../options/optional-peer.js';

/** The part of `EventEmitter2` the bridge uses. */
export interface EmitterLike {
  on(event: string, listener: (...values: unknown[]) => void): unknown;
  emit(event: string, ...values: unknown[]): boolean;
}

/**
 * The app's `EventEmitter2` (`@nestjs/event-emitter`, an optional peer imported only here), or
 * undefined when the package is not installed or its module is not imported.
 */
export async function findEventEmitter(moduleRef: ModuleRef): Promise<EmitterLike | undefined> {
  const pkg = await importOptional('@nestjs/event-emitter', () => import('@nestjs/event-emitter'));
  if (!pkg) return undefined;
  try {
    return moduleRef.get(pkg.EventEmitter2, { strict: false }) as unknown as EmitterLike;
  } catch {
    return undefined; // installed, but EventEmitterModule.forRoot() is not imported
  }
}

/**
 * Both ways between `EventEmitter2` and the invalidation events: an event emitted on the
 * emitter under a name that has rules is passed to `onEvent`; `relay` emits an event from
 * another instance on the emitter without passing it back (which would send it round again).
 */
export class EventEmitterBridge {
  private readonly names = new Set<string>();
  private relaying = false;

  constructor(
    private readonly emitter: EmitterLike,
    private readonly onEvent: (name: string, payload: unknown) => void,
  ) {}

  /** Listens to `name` on the emitter (once per name). */
  listen(name: string): void {
    if (this.names.has(name)) return;
    this.names.add(name);
    // EventEmitter2 calls its listeners synchronously inside emit: `relaying` is still set
    // when one of our own relayed events reaches this listener.
    this.emitter.on(name, (payload: unknown) => {
      if (!this.relaying) this.onEvent(name, payload);
    });
  }

  /** Emits an event from another instance on this instance's emitter. */
  relay(name: string, payload: unknown): void {
    this.relaying = true;
    try {
      this.emitter.emit(name, payload);
    } finally {
      this.relaying = false;
    }
  }
}
