import type { Config } from '../config/index.js';
import { MasterKeyError, parseMasterKey, symmetricKey, type MasterKeys } from '../crypto/index.js';
import type { DstackAgent } from './dstack-agent.js';

/** The master keys of a gateway in a TEE, and how the primary was had (what the attestation statement says). */
export interface TeeMasterKeys {
  keys: MasterKeys;
  /** `tee`: derived by the TEE (MASTER_KEY_PATH), nobody holds it; `configured`: the operator gave a key (allowed explicitly). */
  source: 'tee' | 'configured';
}

/**
 * In a TEE the master key is derived there, so the operator never holds it. A configured key (OAUTH3_MASTER_KEY or
 * OAUTH3_MASTER_KEY_PREVIOUS) is refused, naming the option, unless OAUTH3_TEE_ALLOW_CONFIGURED_MASTER_KEY=true:
 * then OAUTH3_MASTER_KEY is the primary (else the derived key is) and the source is `configured`. A key file in the
 * data directory is not read.
 */
export async function teeMasterKeys(agent: DstackAgent, config: Config): Promise<TeeMasterKeys> {
  const configured = config.masterKey ? 'OAUTH3_MASTER_KEY' : config.masterKeyPrevious ? 'OAUTH3_MASTER_KEY_PREVIOUS' : undefined;
  if (configured && !config.teeAllowConfiguredMasterKey)
    throw new MasterKeyError(
      `${configured}: refused in a TEE, where the master key is derived by the TEE so that the operator never holds it: unset it, or set OAUTH3_TEE_ALLOW_CONFIGURED_MASTER_KEY=true (the attestation then says master_key "configured")`,
    );
  const primary = config.masterKey ? parseMasterKey(config.masterKey, 'OAUTH3_MASTER_KEY') : symmetricKey(await agent.deriveMasterKey());
  const all = new Map([[primary.id, primary]]);
  if (config.masterKeyPrevious) {
    const previous = parseMasterKey(config.masterKeyPrevious, 'OAUTH3_MASTER_KEY_PREVIOUS');
    if (previous.id === primary.id) throw new MasterKeyError('OAUTH3_MASTER_KEY_PREVIOUS: the same key as the master key');
    all.set(previous.id, previous);
  }
  return { keys: { primary, all }, source: configured ? 'configured' : 'tee' };
}
