import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Db, Dialect, GroupCommit } from '../store/index.js';
import type { SigningKeyRing, SymmetricKey } from '../crypto/index.js';
import type { AuditSink } from './audit-sink.js';
import type { Metrics } from './metrics.js';
import type { Registries } from './registries.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { TokenService } from './tokens.js';

/** The other workers of a cluster (`OAUTH3_WORKERS` > 1): a publish/subscribe channel and requests to the primary. */
export interface PeerChannel {
  /** This worker's id (1, 2, …). */
  readonly workerId: number;
  /** Delivers `data` to every other worker's subscribers of `topic` (not to this one's). */
  publish(topic: string, data: unknown): void;
  subscribe(topic: string, fn: (data: unknown) => void): void;
  /** Asks the primary; rejects after `timeoutMs`. */
  request(topic: string, timeoutMs?: number): Promise<unknown>;
}

/**
 * That a gateway runs in a TEE, as pages say it (the attestation domain has the rest: `teeOf`). Set by createContext
 * only in a TEE; undefined outside one.
 */
export interface TeeFact {
  /** The hardware, in words: "Intel TDX". */
  platform: string;
  /** `tee`: the TEE derived the master key, nobody holds it; `configured`: the operator gave it (explicitly allowed). */
  masterKeySource: 'tee' | 'configured';
}

/**
 * What every module is given, built once per app by `createContext` in dependency order (database, keys,
 * registries, audit, tokens), closed by `closeContext`. Narrow interfaces: a module reaches another's
 * capability through these, never by importing its internals.
 */
export interface AppContext {
  config: Config;
  db: Db;
  dialect: Dialect;
  dbLocation: string;
  /** The group commit of `db`: hot writes (issuance, audit batches) share its batches. */
  commits: GroupCommit;
  /** Seals what is stored under the master key (signing keys, vault data keys). */
  masterKey: SymmetricKey;
  /** Opens it: the master key and, during a master-key rotation, the previous one (OAUTH3_MASTER_KEY_PREVIOUS). */
  masterKeys: ReadonlyMap<string, SymmetricKey>;
  keys: SigningKeyRing;
  log: Logger;
  metrics: Metrics;
  /** Where changes are recorded (the access log). */
  audit: AuditSink;
  /** The one verifier and the one issuance path. */
  tokens: TokenService;
  /** Scopes, audit event types, error codes and grant types of this app, from the manifests. */
  registries: Registries;
  /** Every protected resource tokens may be issued for. */
  resources: ResourceRegistry;
  /** Set when the gateway runs in a TEE (what its pages say about it); undefined outside one. */
  tee?: TeeFact;
  /** The other workers of a cluster; undefined in a single process. */
  peers?: PeerChannel;
  /** Cleanups run on close, last registered first (the modules' `stop` among them, in reverse module order). */
  onClose: Array<() => Promise<void> | void>;
}
