import type { Config } from '../config/index.js';
import type { Dialect } from '../store/index.js';
import type { RevocationPeers } from './revocation-index.js';

/** Tuning and wiring of the TokenService; every field has a default. */
export interface TokenServiceOptions {
  /** Revocation polling interval (ms); the fallback when LISTEN/NOTIFY is available. */
  revocationPollMs?: number;
  dialect?: Dialect;
  /** PostgreSQL URL for the LISTEN connection (revocations from other instances at once). */
  listenUrl?: string;
  /** The other workers of a cluster: told of each revocation at once. */
  peers?: RevocationPeers;
  /** Verified-token cache size (entries); 0 disables it. */
  cacheSize?: number;
  /** Batching interval of last-used writes (ms). */
  usageFlushMs?: number;
  onError?: (err: unknown) => void;
}

/** The TokenService options the gateway's config asks for. */
export function tokenServiceOptions(config: Config, dialect: Dialect, onError?: (err: unknown) => void): TokenServiceOptions {
  return {
    revocationPollMs: config.revocationPollMs,
    dialect,
    listenUrl: dialect === 'postgres' ? (config.databaseListenUrl ?? config.databaseUrl) : undefined,
    cacheSize: config.verifyCacheSize,
    usageFlushMs: config.tokenUsageFlushMs,
    onError,
  };
}
