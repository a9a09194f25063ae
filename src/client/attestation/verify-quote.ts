import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type Qvl from '@phala/dcap-qvl';

// dcap-qvl (with its bn.js, elliptic and asn1 libraries: a few MB of heap) is loaded at the first quote checked. The
// gateway loads this file through the client library's index, for its attestation document, and checks no quote.
const require = createRequire(import.meta.url);
const qvl = () => require('@phala/dcap-qvl') as typeof Qvl;

/** Intel's collateral for a quote (PCK CRLs, TCB info, QE identity and their issuer chains), as @phala/dcap-qvl takes it. */
export type Collateral = Parameters<typeof Qvl.verify>[1];

/** What a verified TDX quote vouches for (hex strings), and how current its platform is. */
export interface TeeReport {
  /** Intel's TCB status of the platform: `UpToDate` is the only one accepted. */
  tcbStatus: string;
  advisoryIds: string[];
  mrTd: string;
  /** RTMR0–RTMR3. */
  rtmr: [string, string, string, string];
  /** The 64 bytes the quoting software bound into it. */
  reportData: string;
}

/** A quote that does not verify: the message says why, in words (expired collateral, a bad signature, an old platform). */
export class QuoteRefused extends Error {
  override name = 'QuoteRefused';
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** dcap-qvl's reasons, said so a person knows what it means. */
function explain(reason: string): string {
  if (/expired/i.test(reason)) return `Intel's collateral has expired at the time checked (${reason}): fetch fresh collateral`;
  if (/No matching TCB level/i.test(reason))
    return `the platform's TCB is out of date: none of the TCB levels Intel lists matches it (${reason})`;
  if (/signature/i.test(reason)) return `the quote is not signed by a genuine Intel TDX platform (${reason})`;
  return reason;
}

/**
 * Verifies a TDX quote with @phala/dcap-qvl against Intel's collateral at `nowSecs`: the signature chain up to
 * Intel's root CA, the QE report, the CRLs and the TCB level. Answers the report it vouches for; throws
 * QuoteRefused otherwise. There is no way around this check: the binding checks take its answer.
 */
export function verifyQuote(quote: Uint8Array, collateral: Collateral, nowSecs: number): TeeReport {
  let verified: ReturnType<typeof Qvl.verify>;
  try {
    verified = qvl().verify(quote, collateral, nowSecs);
  } catch (e) {
    throw new QuoteRefused(explain((e as Error).message));
  }
  const report = verified.report as unknown as { type: string; data: Record<string, Uint8Array> };
  if (!/^td1[05]$/i.test(report.type)) throw new QuoteRefused(`not a TDX quote (its report is ${report.type})`);
  const d = report.data;
  return {
    tcbStatus: String(verified.status),
    advisoryIds: verified.advisory_ids ?? [],
    mrTd: hex(d.mrTd!),
    rtmr: [hex(d.rtMr0!), hex(d.rtMr1!), hex(d.rtMr2!), hex(d.rtMr3!)],
    reportData: hex(d.reportData!),
  };
}

/** The collateral for a quote: from a file (offline, e.g. saved from a PCCS) or from a PCCS (default: Intel's PCS). */
export async function collateralFor(quote: Uint8Array, from: { file?: string; pccsUrl?: string }): Promise<Collateral> {
  if (from.file) return JSON.parse(await readFile(from.file, 'utf8')) as Collateral;
  return from.pccsUrl ? qvl().getCollateral(from.pccsUrl, quote) : qvl().getCollateralFromPcs(quote);
}
