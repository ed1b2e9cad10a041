/** Metadata key set by `@Public()`. */
export const IS_PUBLIC_KEY = 'rediskit:session:public';
/** Metadata key set by `@RequireStepUp()`. */
export const STEP_UP_KEY = 'rediskit:session:step-up';
/** Where the guard puts the session on the request (read it with `@CurrentSession()`). */
export const SESSION_REQUEST_KEY = 'rediskitSession';
/** Where the guard puts the token on the request (for `rotate` / `destroy` in a handler). */
export const SESSION_TOKEN_REQUEST_KEY = 'rediskitSessionToken';
/** Metadata key set by `@RefuseDegraded()`. */
export const REFUSE_DEGRADED_KEY = 'rediskit:session:refuse-degraded';
