export { RediskitSessionStore, SessionStoreUnavailableError } from './session/session.store.js';
