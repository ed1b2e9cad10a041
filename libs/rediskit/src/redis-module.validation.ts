import { Type } from 'class-transformer';
import { IsBoolean, IsNumber, IsOptional, Min, ValidateNested } from 'class-validator';
import type { Capability } from './capability.js';
import { CAPABILITIES } from './capabilities.js';
import { codecProblems } from './codec/codec.options.dto.js';
import { CircuitBreakerOptionsDto } from './connection/circuit-breaker.options.dto.js';
import { RediskitConfigError } from './errors.js';
import { KeyspaceOptionsDto } from './keyspace/keyspace.options.dto.js';
import { MetricsOptionsDto } from './metrics/metrics.options.dto.js';
import { TracingOptionsDto } from './tracing/tracing.options.js';
import { connectionProblems } from './options/connection-options.dto.js';
import { problemsOf } from './options/option-problems.js';
import { DEFAULT_CONNECTION, type RedisModuleOptions } from './options/redis-module-options.js';

/** The core options other than connections and codec (checked on their own below). */
class CoreOptionsDto {
  @IsOptional() @ValidateNested() @Type(() => KeyspaceOptionsDto) keyspace?: KeyspaceOptionsDto;
  @IsOptional() @IsNumber() @Min(1) readyTimeout?: number;
  @IsOptional() @IsBoolean() requestContext?: boolean;
  @IsOptional() @ValidateNested() @Type(() => MetricsOptionsDto) metrics?: MetricsOptionsDto;
  @IsOptional() @ValidateNested() @Type(() => TracingOptionsDto) tracing?: TracingOptionsDto;
}

/**
 * Checks the whole options object — the core's and every capability's section — and throws
 * one `RediskitConfigError` that lists every bad field, so a misconfigured app fails at boot
 * with everything to fix in one message.
 */
export function validateModuleOptions(options: RedisModuleOptions, capabilities: readonly Capability[] = CAPABILITIES): RedisModuleOptions {
  if (!options || typeof options !== 'object') throw new RediskitConfigError(['options: must be an object']);
  const { keyspace, readyTimeout, requestContext, metrics, tracing } = options;
  const problems = [
    ...problemsOf(CoreOptionsDto, { keyspace, readyTimeout, requestContext, metrics, tracing }, ''),
    ...connectionProblems(options.connection, 'connection'),
    ...Object.entries(options.connections ?? {}).flatMap(([name, c]) => connectionProblems(c, `connections.${name}`)),
    ...(options.circuitBreaker === false ? [] : problemsOf(CircuitBreakerOptionsDto, options.circuitBreaker, 'circuitBreaker')),
    ...codecProblems(options.codec),
    ...capabilities.flatMap((capability) => sectionProblems(capability, options)),
  ];
  if (problems.length > 0) throw new RediskitConfigError(problems);
  return withAliases(options);
}

// `health.monitor.slowOperationThreshold` (and `monitor: false`) set the slow-command threshold
// before it moved to `metrics.slowCommandThreshold`; deprecated, still honoured.
function withAliases(options: RedisModuleOptions): RedisModuleOptions {
  const monitor = options.health?.monitor;
  const legacy = monitor === false ? false : monitor?.slowOperationThreshold;
  if (legacy === undefined || options.metrics?.slowCommandThreshold !== undefined) return options;
  return { ...options, metrics: { ...options.metrics, slowCommandThreshold: legacy } };
}

function sectionProblems(capability: Capability, options: RedisModuleOptions): string[] {
  const section = options[capability.section] as object | undefined;
  if (section === undefined) return [];
  const problems = capability.optionsDto ? problemsOf(capability.optionsDto, section, capability.section) : [];
  if (problems.length > 0 || typeof section !== 'object' || section === null) return problems;
  const known = [DEFAULT_CONNECTION, ...Object.keys(options.connections ?? {})];
  const named = capability.connections ? capability.connections(section as never) : { connection: (section as { connection?: string }).connection };
  for (const [path, value] of Object.entries(named)) {
    for (const name of typeof value === 'string' ? [value] : (value ?? [])) {
      if (!known.includes(name)) problems.push(`${capability.section}.${path}: "${name}" is not a configured connection (known: ${known.join(', ')})`);
    }
  }
  return problems;
}
