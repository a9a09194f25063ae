export { buildApp } from './build-app.js';
export { startServer, type RunningServer } from './start-server.js';
export { createContext, closeContext } from './create-context.js';
export { loadGateway, gatewayModules, type Gateway } from './load-gateway.js';
export { builtinModules } from './builtin-modules.js';
export { ModuleLoadError } from './load-modules.js';
export { createLogger } from './logger.js';
export { runCluster } from './run-cluster.js';
export { workerBus, type PeerBus } from './peer-bus.js';
