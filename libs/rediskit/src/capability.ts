import type { Provider } from '@nestjs/common';
import type { EnvReader, NodeEnvName } from './options/env-reader.js';
import type { RedisModuleOptions } from './options/redis-module-options.js';

/** The name of a capability's section in the module options (`cache`, `session`...). */
export type CapabilitySection = Exclude<keyof RedisModuleOptions, 'connection' | 'connections' | 'keyspace' | 'codec' | 'circuitBreaker' | 'metrics' | 'tracing' | 'readyTimeout' | 'requestContext'>;

/**
 * What a capability declares so that `RedisModule` can compose it, in one place: its folder's
 * `<name>.capability.ts`. The module validates every section at boot (all problems in one
 * error), builds sections from the environment, checks that the connections each capability
 * names exist, and registers and exports the providers. Connections of its own and lifecycle
 * belong to the providers (Nest's hooks), so a capability that is never used costs nothing
 * at boot.
 *
 * @example
 * export const lockCapability = defineCapability({
 *   section: 'lock',
 *   optionsDto: LockModuleOptionsDto,
 *   connections: (lock) => ({ connection: lock.connection, 'redlock.connections': lock.redlock?.connections }),
 *   providers: [{ provide: LockService, useFactory: ..., inject: [...] }],
 * });
 */
export interface Capability<S extends CapabilitySection = CapabilitySection, D extends object = object> {
  /** Its section in the module options (also its name). */
  readonly section: S;
  /** A class-validator class that validates the section at boot; it declares every option. */
  readonly optionsDto?: new () => D;
  /**
   * The named connections the section uses, by option path (default: its `connection`
   * option): boot fails when one is not configured.
   */
  readonly connections?: (section: NonNullable<RedisModuleOptions[S]>) => Record<string, string | readonly string[] | undefined>;
  /** The section built from environment variables, for `redisOptionsFromEnv` (problems go to `read.problems`). */
  readonly fromEnv?: (read: EnvReader, nodeEnv: NodeEnvName) => RedisModuleOptions[S] | undefined;
  /** Its providers: services, guards, interceptors. Each is exported by the module. */
  readonly providers: Provider[];
}

type SectionOptions<S extends CapabilitySection> = NonNullable<RedisModuleOptions[S]>;

// An option the validation class does not declare would pass unchecked: the compiler names it.
type EveryOptionValidated<S extends CapabilitySection, D> = [Exclude<keyof SectionOptions<S>, keyof D>] extends [never]
  ? unknown
  : { optionsDto: { optionsWithoutValidation: Exclude<keyof SectionOptions<S>, keyof D> } };

/** Declares a capability (see {@link Capability}). */
export function defineCapability<S extends CapabilitySection, D extends object>(
  capability: Capability<S, D> & EveryOptionValidated<S, D>,
): Capability<S, D> {
  return Object.freeze(capability);
}
