import type { Config } from '../config/index.js';
import type { AppContext } from '../kernel/index.js';
import type { MasterKeys } from '../crypto/index.js';
import { connectTee } from './connect-tee.js';
import type { DstackAgent } from './dstack-agent.js';
import { teeMasterKeys } from './tee-master-keys.js';

/** Whether a gateway runs in a TEE: its guest agent and master keys, or why it does not. */
export type TeeState =
  { inTee: true; agent: DstackAgent; masterKeys: MasterKeys; masterKeySource: 'tee' | 'configured' } | { inTee: false; reason: string };

/**
 * Opens the TEE of a gateway before anything is sealed (createContext): connects to the guest agent as OAUTH3_TEE
 * says (see connectTee) and, in a TEE, has the master keys (see teeMasterKeys). Outside a TEE the caller loads the
 * master key as usual. Throws TeeError or MasterKeyError with a message naming the option.
 */
export async function openTee(config: Config): Promise<TeeState> {
  const tee = await connectTee(config);
  if (!tee.agent) return { inTee: false, reason: tee.reason };
  const { keys, source } = await teeMasterKeys(tee.agent, config);
  return { inTee: true, agent: tee.agent, masterKeys: keys, masterKeySource: source };
}

const states = new WeakMap<AppContext, TeeState>();

/** Records the TEE state of an app (createContext, once the context exists). */
export function setTee(ctx: AppContext, state: TeeState): void {
  states.set(ctx, state);
}

/** Whether this app runs in a TEE (a context made without openTee does not). */
export function teeOf(ctx: AppContext): TeeState {
  return states.get(ctx) ?? { inTee: false, reason: 'this gateway was started without TEE detection' };
}
