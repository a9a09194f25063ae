import { existsSync } from 'node:fs';
import type { Config } from '../config/index.js';
import { DEFAULT_DSTACK_SOCKET, DstackAgent, TeeError } from './dstack-agent.js';

/**
 * Whether this gateway runs in a TEE, and why not when it does not: `OAUTH3_TEE=off` never; `auto` (the default)
 * when the guest agent's socket exists or OAUTH3_DSTACK_ENDPOINT names one; `dstack` always. A TEE that is there
 * but does not answer stops the start (a gateway in a TEE must not fall back to a key the operator holds).
 */
export async function connectTee(config: Config): Promise<{ agent: DstackAgent } | { agent?: undefined; reason: string }> {
  if (config.tee === 'off') return { reason: 'OAUTH3_TEE=off: this gateway does not use a TEE' };
  const endpoint = config.dstackEndpoint ?? DEFAULT_DSTACK_SOCKET;
  if (config.dstackEndpoint === undefined && !existsSync(DEFAULT_DSTACK_SOCKET)) {
    if (config.tee === 'dstack')
      throw new TeeError(
        `OAUTH3_TEE=dstack: there is no dstack guest agent socket at ${endpoint} (set OAUTH3_DSTACK_ENDPOINT to where it answers)`,
      );
    return { reason: `not running in a TEE: there is no dstack guest agent (no ${DEFAULT_DSTACK_SOCKET})` };
  }
  try {
    return { agent: await DstackAgent.connect(endpoint) };
  } catch (e) {
    throw new TeeError(`OAUTH3_TEE=${config.tee}: ${(e as Error).message} (set OAUTH3_TEE=off to run without a TEE)`);
  }
}
