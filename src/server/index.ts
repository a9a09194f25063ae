export { buildApp, type Module } from './build-app.js';
export { startServer, type RunningServer } from './start-server.js';
export { createContext, closeContext } from './create-context.js';
export { createLogger } from './logger.js';
export { sendOAuthError } from './error-handler.js';
export type { AppContext } from './context.js';
