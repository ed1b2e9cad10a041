/** The step-up factor the demo records on `POST /auth/verify`. */
export const STEP_UP_FACTOR = 'biometric';
/** How long a step-up verification counts. */
export const STEP_UP_TTL = '5m';
/** The code `POST /auth/verify` accepts (a stand-in for a real biometric or OTP check). */
export const DEMO_VERIFY_CODE = '123456';
/** Orders at or above this total need a fresh step-up verification. */
export const STEP_UP_ORDER_CENTS = 25_000;
