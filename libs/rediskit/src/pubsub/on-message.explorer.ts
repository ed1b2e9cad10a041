import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { ON_MESSAGE_METADATA, type OnMessageMetadata } from './on-message.decorator.js';
import { PubSubService } from './pubsub.service.js';
import type { MessageHandler, Unsubscribe } from './pubsub.subscriber.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

/**
 * Finds every `@OnMessage` method of the application's providers and controllers at boot and
 * subscribes it, so `app.init()` resolves with the subscriptions in place. A subscription that
 * cannot be made (Redis down, a pattern with sharded pub/sub) fails the boot.
 */
@Injectable()
export class OnMessageExplorer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new RediskitLogger('PubSub');
  private readonly discovery: DiscoveryService;
  private readonly scanner = new MetadataScanner();
  private unsubscribes: Unsubscribe[] = [];

  constructor(
    modules: ModulesContainer,
    private readonly pubsub: PubSubService,
  ) {
    this.discovery = new DiscoveryService(modules);
  }

  async onApplicationBootstrap(): Promise<void> {
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    const seen = new Set<object>();
    const pending: Promise<Unsubscribe>[] = [];
    for (const wrapper of wrappers) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || seen.has(instance)) continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const list = Reflect.getMetadata(ON_MESSAGE_METADATA, method) as OnMessageMetadata[] | undefined;
        if (!list) continue;
        if (!wrapper.isDependencyTreeStatic()) {
          this.logger.warn(`@OnMessage on ${describe(wrapper)}.${name} ignored: request-scoped providers cannot receive messages`);
          continue;
        }
        const handler = (method as MessageHandler).bind(instance) as MessageHandler;
        Object.defineProperty(handler, 'name', { value: `${describe(wrapper)}.${name}` });
        for (const meta of list) pending.push(this.subscribe(meta, handler));
      }
    }
    const results = await Promise.allSettled(pending);
    this.unsubscribes = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (pending.length) this.logger.log(`${pending.length} @OnMessage handler(s) subscribed`);
  }

  async onModuleDestroy(): Promise<void> {
    const list = this.unsubscribes;
    this.unsubscribes = [];
    await Promise.allSettled(list.map((off) => off()));
  }

  private subscribe({ target, options }: OnMessageMetadata, handler: MessageHandler): Promise<Unsubscribe> {
    if (typeof target === 'string') {
      return /[*?]/.test(target) ? this.pubsub.psubscribe(target, handler, options) : this.pubsub.subscribe(target, handler, options);
    }
    if ('pattern' in target) return this.pubsub.psubscribe(target.pattern, handler, options);
    if ('channel' in target) return this.pubsub.subscribe(target.channel, handler, options);
    return this.pubsub.subscribeBroadcast(handler, options);
  }
}

function describe(wrapper: InstanceWrapper): string {
  return typeof wrapper.token === 'function' ? wrapper.token.name : String(wrapper.name ?? wrapper.token);
}
