/** Injection token of the validated module options. */
export const REDIS_MODULE_OPTIONS = Symbol('REDIS_MODULE_OPTIONS');
