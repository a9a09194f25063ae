import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Db, Dialect } from '../store/index.js';
import type { SigningKeyRing, SymmetricKey } from '../crypto/index.js';
import type { AuditWriter } from '../audit/index.js';
import type { Metrics } from './metrics.js';
import type { PeerBus } from './peer-bus.js';
import type { TokenService } from '../tokens/index.js';
import type { ScopeRegistry } from '../oauth/scope-registry.js';

/**
 * What every domain module is given: config, database, keys, audit writer, logger, metrics. Built once by
 * `createContext`, closed by `closeContext`.
 */
export interface AppContext {
  config: Config;
  db: Db;
  dialect: Dialect;
  dbLocation: string;
  masterKey: SymmetricKey;
  keys: SigningKeyRing;
  audit: AuditWriter;
  log: Logger;
  metrics: Metrics;
  /** Issues JWTs and verifies every bearer (the one verifier). */
  tokens: TokenService;
  /** Every scope the gateway knows, with descriptions (built-ins, plugins, resources). */
  scopes: ScopeRegistry;
  /** The other workers of a cluster (`OAUTH3_WORKERS` > 1); undefined in a single process. */
  peers?: PeerBus;
  /** Cleanups run on close, last registered first (after the HTTP server stopped). */
  onClose: Array<() => Promise<void> | void>;
}
