import type { ModulesContainer } from '@nestjs/core';
import { RATE_LIMIT_RULES } from './rate-limit.decorator.js';
import type { RateLimitRule } from './rate-limit.options.js';

/**
 * The controllers and handlers (`Class` or `Class.method`) of the app that carry a
 * `@RateLimit` rule with `key: 'apiKey'`, read from the decorators' metadata at boot.
 */
export function apiKeyRoutes(modules: ModulesContainer): string[] {
  const found = new Set<string>();
  const uses = (target: object) => ((Reflect.getMetadata(RATE_LIMIT_RULES, target) ?? []) as RateLimitRule[]).some((r) => r.key === 'apiKey');
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const cls = wrapper.metatype as Function | null;
      if (typeof cls !== 'function') continue;
      if (uses(cls)) found.add(cls.name);
      for (let proto = cls.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
        for (const name of Object.getOwnPropertyNames(proto)) {
          const method = Object.getOwnPropertyDescriptor(proto, name)?.value;
          if (name !== 'constructor' && typeof method === 'function' && uses(method)) found.add(`${cls.name}.${name}`);
        }
      }
    }
  }
  return [...found];
}
