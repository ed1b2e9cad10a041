// The session capability's entry for other capabilities (the package's public API is ../index.ts).
export { SessionService } from './session.service.js';
export { sessionOf } from './session.decorators.js';
