import { DataKeyError, SigningKeyError } from '../crypto/index.js';
import type { TeeState } from './tee-of.js';

/**
 * The start failure of a gateway whose stored keys are sealed under a master key it does not have, said for a TEE:
 * when the TEE derives the master key (OAUTH3_MASTER_KEY unset), "set OAUTH3_MASTER_KEY" would be wrong (a
 * configured key is refused there), so it says that the data was sealed under another key (another app identity or
 * build, or data from outside the TEE) and how to move it in. Any other error, or outside a TEE, is returned as is.
 */
export function teeWrongKeyError(e: unknown, tee: TeeState, configuredMasterKey: string | undefined): unknown {
  if (!tee.inTee || configuredMasterKey) return e;
  if (!(e instanceof SigningKeyError || e instanceof DataKeyError) || !e.otherKey) return e;
  const { what, needs, have } = e.otherKey;
  const message =
    `${what} under master key ${needs}, but the master key this TEE derives is ${have}: the data was sealed under another key ` +
    '(another app identity or build, or data from outside the TEE). To move it in, start once with the old key as ' +
    'OAUTH3_MASTER_KEY_PREVIOUS and OAUTH3_TEE_ALLOW_CONFIGURED_MASTER_KEY=true, run `oauth3 master-key rewrap`, then start without them ' +
    '(README, "Running in a TEE")';
  return e instanceof DataKeyError ? new DataKeyError(message, e.otherKey) : new SigningKeyError(message, e.otherKey);
}
