import type { Config } from '../config/index.js';

/** The WebAuthn relying party: RP ID is the public URL's host; origins are its origin plus `extraOrigins`. */
export interface RelyingParty {
  rpID: string;
  rpName: string;
  origins: string[];
}

export function relyingParty(config: Config): RelyingParty {
  const url = new URL(config.publicUrl);
  const origins = [url.origin, ...config.extraOrigins.map((o) => new URL(o).origin)];
  return { rpID: url.hostname, rpName: config.rpName, origins: [...new Set(origins)] };
}
