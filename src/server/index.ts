export { buildApp, type Module } from './build-app.js';
export { startServer, type RunningServer } from './start-server.js';
export { createContext, closeContext } from './create-context.js';
export { createLogger } from './logger.js';
export { runCluster } from './run-cluster.js';
export { workerBus, type PeerBus } from './peer-bus.js';
export type { AppContext } from './context.js';
