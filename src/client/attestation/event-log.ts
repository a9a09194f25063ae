import { createHash } from 'node:crypto';
import type { TeeEvent } from './attestation-statement.js';

/** The event type of dstack's runtime events (RTMR3: app id, compose hash, instance id, key provider…). */
export const RUNTIME_EVENT_TYPE = 0x08000001;

/**
 * The digest dstack extends into RTMR3 for a runtime event: SHA-384(event type as 4 little-endian bytes ‖ ":" ‖ name ‖
 * ":" ‖ payload), hex. A verifier recomputes it, so an event's name and payload cannot be changed under its digest.
 */
export function runtimeEventDigest(name: string, payloadHex: string): string {
  const type = Buffer.alloc(4);
  type.writeUInt32LE(RUNTIME_EVENT_TYPE);
  return createHash('sha384')
    .update(Buffer.concat([type, Buffer.from(':'), Buffer.from(name), Buffer.from(':'), Buffer.from(payloadHex, 'hex')]))
    .digest('hex');
}

/**
 * The RTMR values an event log leads to: each register starts at 48 zero bytes and every event extends its register,
 * RTMR[imr] = SHA-384(RTMR[imr] ‖ digest), in log order (as TDX measures and dstack logs). Hex, RTMR0–RTMR3.
 * Throws when an event is malformed or a runtime event's digest is not that of its name and payload.
 */
export function replayRtmrs(events: readonly TeeEvent[]): [string, string, string, string] {
  const regs = [0, 1, 2, 3].map(() => Buffer.alloc(48));
  for (const e of events) {
    if (!Number.isInteger(e.imr) || e.imr < 0 || e.imr > 3) throw new Error(`an event names RTMR ${String(e.imr)}`);
    if (typeof e.digest !== 'string' || !/^[0-9a-f]{96}$/i.test(e.digest))
      throw new Error(`an event's digest is not 48 bytes of hex (SHA-384)`);
    if (e.event_type === RUNTIME_EVENT_TYPE && runtimeEventDigest(e.event, e.event_payload) !== e.digest.toLowerCase())
      throw new Error(`the runtime event "${e.event}" does not match its digest`);
    regs[e.imr] = createHash('sha384')
      .update(Buffer.concat([regs[e.imr]!, Buffer.from(e.digest, 'hex')]))
      .digest();
  }
  return regs.map((r) => r.toString('hex')) as [string, string, string, string];
}
