import type { SigningKeyStatus } from './list-signing-keys.js';

/** A signing key as stored: its public JWK, its private half sealed under the master key, its status. */
export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_sealed: string;
  status: SigningKeyStatus;
  created_at: number;
  retired_at: number | null;
}

declare module '../store/database.js' {
  interface Database {
    signing_keys: SigningKeysTable;
  }
}
