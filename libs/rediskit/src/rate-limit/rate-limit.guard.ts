import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext, type OnModuleInit } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { createHmac, randomBytes } from 'node:crypto';
import { RediskitConfigError } from '../errors.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { clientIp } from './client-ip.js';
import { RATE_LIMIT_RULES, RATE_LIMIT_SKIP } from './rate-limit.decorator.js';
import { RateLimitExceededException, RateLimiterUnavailableException } from './rate-limit.exceptions.js';
import { mostConstrained, rateLimitField, rateLimitPolicyField, type HeaderEntry } from './rate-limit.headers.js';
import type { RateLimitRule } from './rate-limit.options.js';
import type { RateLimitDecision } from './rate-limit.policy.js';
import { apiKeyRoutes } from './api-key-routes.js';
import { prepare, type PreparedRule } from './rate-limit.rules.js';
import { RateLimiterService } from './rate-limiter.service.js';
import { resolveRateLimitSettings, ruleKey, type RateLimitSettings } from './rate-limit.settings.js';

/**
 * Enforces `@RateLimit` rules and the module's default rules on HTTP routes (Express and
 * Fastify; other contexts pass). Each rule is one Redis round trip (run in parallel); every response carries the
 * IETF `RateLimit` and `RateLimit-Policy` fields, a refused request gets 429 with `Retry-After`
 * (503 when a fail-closed policy could not ask Redis). Partitions are hashed with a secret
 * before they reach Redis or a header (see `RateLimiterService.partitionKey`). A partition that
 * cannot be hashed faithfully (a lone UTF-16 surrogate) counts against the client address.
 * Extend it and override `getPartition` or `throwRateLimited` to customize.
 *
 * @example
 * // app.module.ts: guard every route
 * providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }]
 */
@Injectable()
export class RateLimitGuard implements CanActivate, OnModuleInit {
  private readonly settings: RateLimitSettings;
  private readonly defaults: PreparedRule[];
  private readonly secret: Buffer;
  private readonly routes = new Map<Function, Map<Function, PreparedRule[]>>();
  // The account of a request's API key, resolved once per request.
  private readonly accounts = new WeakMap<object, Promise<unknown>>();
  /** Every module of the app, to find `key: 'apiKey'` rules at boot (property-injected: subclasses keep their constructor). */
  @Optional() @Inject(ModulesContainer) private readonly modules?: ModulesContainer;

  constructor(
    protected readonly reflector: Reflector,
    protected readonly limiter: RateLimiterService,
    @Inject(REDIS_MODULE_OPTIONS) moduleOptions: RedisModuleOptions,
  ) {
    this.settings = resolveRateLimitSettings(moduleOptions.rateLimit);
    const { defaults } = this.settings;
    this.defaults = defaults.map((rule, i) => {
      try {
        return prepare(rule);
      } catch (error) {
        throw new RediskitConfigError([`rateLimit.defaults[${i}]: ${(error as Error).message}`]);
      }
    });
    if (!this.settings.apiKeys) {
      const problems = defaults.flatMap((rule, i) => (rule.key === 'apiKey' ? [`rateLimit.defaults[${i}]: ${API_KEYS_REQUIRED}`] : []));
      if (problems.length > 0) throw new RediskitConfigError(problems);
    }
    const secret = this.settings.partitionKeySecret;
    this.secret = secret ? Buffer.from(secret) : randomBytes(32);
  }

  /** Refuses to boot when a route has a `key: 'apiKey'` rule and `rateLimit.apiKeys` is not set. */
  onModuleInit(): void {
    if (this.settings.apiKeys || !this.modules) return;
    const routes = apiKeyRoutes(this.modules);
    if (routes.length > 0) throw new RediskitConfigError(routes.map((route) => `@RateLimit on ${route}: ${API_KEYS_REQUIRED}`));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const rules = this.rulesOf(context);
    if (rules.length === 0) return true;
    const http = context.switchToHttp();
    const request = http.getRequest();
    const response = http.getResponse();

    const entries = await Promise.all(
      rules.map(async ({ rule, named, policy }): Promise<HeaderEntry> => {
        let partition = await this.getPartition(rule, context, request);
        if (!wellFormed(partition)) partition = this.ipPartition(rule, context, request);
        const decision = await this.limiter.consume(await this.limiter.partitionKey(partition), named);
        return { policy, decision, partitionKey: createHmac('sha256', this.secret).update(partition).digest().subarray(0, 16) };
      }),
    );
    this.writeHeaders(response, entries);
    const refused = entries.filter((e) => !e.decision.allowed).map((e) => e.decision);
    if (refused.length > 0) {
      const wait = Math.max(...refused.map((d) => d.retryAfterMs));
      setHeader(response, 'Retry-After', String(Math.max(1, Math.ceil(wait / 1000))));
      this.throwRateLimited(context, refused);
    }
    return true;
  }

  /**
   * The partition a request falls in under `rule` (before hashing): the route (unless the rule's
   * scope is global) and who is asking.
   */
  protected async getPartition(rule: RateLimitRule, context: ExecutionContext, request: any): Promise<string> {
    const key = ruleKey(rule);
    if (key === 'route') return `${routeOf(rule, context)}|route`;
    let who: string | undefined;
    if (key === 'user') who = tagged('user', this.settings.user(request));
    else if (key === 'apiKey') who = tagged('account', await this.accountOf(request));
    else if (typeof key === 'function') who = tagged('fn', await key(context));
    return who === undefined ? this.ipPartition(rule, context, request) : `${routeOf(rule, context)}|${who}`;
  }

  /** The partition of the client address: where requests nobody could be named for fall. */
  protected ipPartition(rule: RateLimitRule, context: ExecutionContext, request: any): string {
    return `${routeOf(rule, context)}|ip:${clientIp(request, this.settings.ipv6Subnet) ?? 'unknown'}`;
  }

  // The account id `rateLimit.apiKeys` gives the request's API key (undefined without a key).
  private accountOf(request: any): Promise<unknown> {
    const value = headerOf(request, this.settings.apiKeyHeader);
    const resolve = this.settings.apiKeys;
    if (!value || !resolve) return Promise.resolve(undefined);
    if (typeof request !== 'object' || request === null) return Promise.resolve(resolve(value, request));
    let account = this.accounts.get(request);
    if (!account) this.accounts.set(request, (account = Promise.resolve(resolve(value, request))));
    return account;
  }

  /** Throws 429 (or 503 when a fail-closed policy could not ask Redis). */
  protected throwRateLimited(_context: ExecutionContext, refused: RateLimitDecision[]): never {
    const names = refused.map((d) => d.policy);
    if (refused.every((d) => d.fallback === 'closed')) throw new RateLimiterUnavailableException(names);
    throw new RateLimitExceededException(names);
  }

  private writeHeaders(response: unknown, entries: HeaderEntry[]): void {
    const { headers } = this.settings;
    if (!headers) return;
    if (headers.standard) {
      setHeader(response, 'RateLimit-Policy', rateLimitPolicyField(entries));
      setHeader(response, 'RateLimit', rateLimitField(entries));
    }
    if (headers.legacy) {
      const { decision } = mostConstrained(entries);
      setHeader(response, 'X-RateLimit-Limit', String(decision.limit));
      setHeader(response, 'X-RateLimit-Remaining', String(Math.max(0, decision.remaining)));
      setHeader(response, 'X-RateLimit-Reset', String(Math.ceil(decision.resetMs / 1000)));
    }
  }

  // Module defaults, then class rules, then method rules; a later rule of the same name wins.
  private rulesOf(context: ExecutionContext): PreparedRule[] {
    const handler = context.getHandler();
    const cls = context.getClass();
    let byClass = this.routes.get(handler);
    if (!byClass) this.routes.set(handler, (byClass = new Map()));
    let rules = byClass.get(cls);
    if (!rules) {
      const merged = new Map<string, PreparedRule>();
      const own = (target: object) => ((Reflect.getMetadata(RATE_LIMIT_RULES, target) ?? []) as RateLimitRule[]).map(prepare);
      for (const r of [...this.defaults, ...own(cls), ...own(handler)]) {
        merged.delete(r.policy.name);
        merged.set(r.policy.name, r);
      }
      const skip = this.reflector.getAllAndOverride<true | string[] | undefined>(RATE_LIMIT_SKIP, [handler, cls]);
      rules = skip === true ? [] : [...merged.values()].filter((r) => !skip?.includes(r.policy.name));
      byClass.set(cls, rules);
    }
    return rules;
  }
}

const API_KEYS_REQUIRED = "key 'apiKey' needs rateLimit.apiKeys, the resolver of API keys to accounts (unrecognised keys would each get a quota of their own)";

function routeOf(rule: RateLimitRule, context: ExecutionContext): string {
  return rule.scope === 'global' ? '*' : `${context.getClass().name}.${context.getHandler().name}`;
}

// `kind:value` for a value that names a partition faithfully, else undefined (the IP decides):
// objects would all print as [object Object], and a lone surrogate hashes like U+FFFD.
function tagged(kind: string, value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? `${kind}:${value}` : undefined;
  if (typeof value === 'bigint') return `${kind}:${value}`;
  return typeof value === 'string' && value !== '' && wellFormed(value) ? `${kind}:${value}` : undefined;
}

const wellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

function headerOf(request: any, name: string): string | undefined {
  const value = request.headers?.[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function setHeader(response: any, name: string, value: string): void {
  if (typeof response?.header === 'function') response.header(name, value);
  else if (typeof response?.setHeader === 'function') response.setHeader(name, value);
}
