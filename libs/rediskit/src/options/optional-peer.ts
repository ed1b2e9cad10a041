/** True when `error` says the package `name` is not installed (not: it failed while loading). */
export function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(message ?? '')) && (message ?? '').includes(name);
}

/**
 * Imports an optional peer of the library, or resolves `undefined` when it is not installed
 * (an error while loading an installed one still throws). Optional peers are imported only
 * this way, at boot, so the package loads without them.
 */
export async function importOptional<T>(name: string, load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    if (isMissing(error, name)) return undefined;
    throw error;
  }
}
