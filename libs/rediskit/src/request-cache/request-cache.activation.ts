import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService, ModulesContainer } from '@nestjs/core';
import { RequestContextDemand } from '../context/request-context.demand.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { RequestCache } from './request-cache.service.js';

// Where TypeScript and Nest keep a class's dependencies: constructor parameter types, `@Inject`
// tokens of constructor parameters, `@Inject` properties (`@RequestCached` injects one).
const PARAMETER_TYPES = 'design:paramtypes';
const INJECTED_PARAMETERS = 'self:paramtypes';
const INJECTED_PROPERTIES = 'self:properties_metadata';

/**
 * Asks for the request context at boot when the application uses the request cache: a
 * `requestCache` section, or a provider or controller that gets `RequestCache` injected. An
 * application that does not use it runs no request in a context, so on Node 20 none of its
 * promises pays for AsyncLocalStorage.
 */
@Injectable()
export class RequestCacheActivation {
  constructor(modules: ModulesContainer, demand: RequestContextDemand, @Inject(REDIS_MODULE_OPTIONS) options: RedisModuleOptions) {
    if (options.requestCache !== undefined || injectsRequestCache(modules)) demand.want();
  }
}

function injectsRequestCache(modules: ModulesContainer): boolean {
  const discovery = new DiscoveryService(modules);
  return [...discovery.getProviders(), ...discovery.getControllers()].some((wrapper) => dependenciesOf(wrapper.metatype).includes(RequestCache));
}

function dependenciesOf(type: unknown): unknown[] {
  if (typeof type !== 'function') return [];
  const parameters = (Reflect.getMetadata(PARAMETER_TYPES, type) ?? []) as unknown[];
  const injected = (Reflect.getMetadata(INJECTED_PARAMETERS, type) ?? []) as { param: unknown }[];
  const properties = (Reflect.getMetadata(INJECTED_PROPERTIES, type) ?? []) as { type: unknown }[];
  return [...parameters, ...injected.map((d) => d.param), ...properties.map((p) => p.type)];
}
