import { toPositiveMs, type Duration } from './duration.js';

/** Where a capability's Redis calls go and their time budget, resolved. */
export interface CommandSettings {
  /** The named connection; unset: the default one. */
  connection?: string;
  /** In ms; unset: the connection's `commandTimeout`. */
  commandTimeout?: number;
}

/** The `connection` and `commandTimeout` options of the `section` capability, resolved (part of its `resolve…Settings`). */
export function resolveCommandSettings(options: { connection?: string; commandTimeout?: Duration }, section: string): CommandSettings {
  return {
    connection: options.connection,
    commandTimeout: options.commandTimeout === undefined ? undefined : toPositiveMs(options.commandTimeout, `${section}.commandTimeout`),
  };
}
