export { RediskitSessionStore } from './session/session.store.js';
export { SessionStoreUnavailableError } from './errors.js';
