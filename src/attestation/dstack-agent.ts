import type { DstackClient } from '@phala/dstack-sdk';
import type { TeeEvent } from '../client/index.js';

/** Where the dstack guest agent answers in a dstack CVM. */
export const DEFAULT_DSTACK_SOCKET = '/var/run/dstack.sock';

/**
 * The key-derivation path of the master key. The guest agent derives a key from the app's identity (its app id,
 * under the KMS's root) and this path: the same app gets the same key on every start and on every instance, another
 * app cannot derive it, and the operator never sees it. The master key is the first 32 bytes of the answer.
 */
export const MASTER_KEY_PATH = 'oauth3/master-key/v1';
/** The purpose sent with the path (part of what is derived). */
export const MASTER_KEY_PURPOSE = 'oauth3 master key';

/** Who the TEE says this app is (from the guest agent's Info). */
export interface TeeIdentity {
  appId: string;
  instanceId: string;
  /** The compose hash the app was started with (hex), also measured into RTMR3. */
  composeHash: string;
}

/** A fresh TDX quote with the event log that led to its RTMRs. */
export interface TeeQuote {
  /** The quote, hex. */
  quote: string;
  eventLog: TeeEvent[];
}

/** Thrown when the TEE cannot be used as configured; the message names the option and the endpoint. */
export class TeeError extends Error {
  override name = 'TeeError';
}

const reason = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** The dstack guest agent, through @phala/dstack-sdk: who this app is, its derived keys and quotes. */
export class DstackAgent {
  private constructor(
    private readonly client: DstackClient,
    /** The socket path or URL it answers at. */
    readonly endpoint: string,
    readonly identity: TeeIdentity,
  ) {}

  /**
   * Connects to the agent at `endpoint` and asks who this app is; throws TeeError when it does not answer. The SDK is
   * loaded only here: a gateway outside a TEE never loads it.
   */
  static async connect(endpoint: string): Promise<DstackAgent> {
    const { DstackClient } = await import('@phala/dstack-sdk');
    try {
      const client = new DstackClient(endpoint);
      const info = await client.info();
      return new DstackAgent(client, endpoint, {
        appId: info.app_id,
        instanceId: info.instance_id,
        composeHash: info.compose_hash || (info.tcb_info as { compose_hash?: string }).compose_hash || '',
      });
    } catch (e) {
      throw new TeeError(`the dstack guest agent at ${endpoint} does not answer (${reason(e)})`);
    }
  }

  /** The master key derived for this app (MASTER_KEY_PATH): 32 bytes. */
  async deriveMasterKey(): Promise<Buffer> {
    let key: Uint8Array;
    try {
      key = (await this.client.getKey(MASTER_KEY_PATH, MASTER_KEY_PURPOSE)).key;
    } catch (e) {
      throw new TeeError(`the dstack guest agent at ${this.endpoint} did not derive the master key (${reason(e)})`);
    }
    if (key.length < 32) throw new TeeError(`the dstack guest agent at ${this.endpoint} derived a ${key.length}-byte key, not 32`);
    return Buffer.from(key.subarray(0, 32));
  }

  /** A fresh quote over `reportData` (64 bytes) with its event log. */
  async quote(reportData: Buffer): Promise<TeeQuote> {
    const q = await this.client.getQuote(reportData);
    return { quote: q.quote.replace(/^0x/, ''), eventLog: JSON.parse(q.event_log) as TeeEvent[] };
  }
}
