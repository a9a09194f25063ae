import { randomBytes } from 'node:crypto';
import { jwksThumbprints, type AttestationDocument } from './attestation-statement.js';
import { checkBinding, type AttestationCheck } from './check-binding.js';
import { collateralFor, verifyQuote, QuoteRefused, type TeeReport } from './verify-quote.js';

/** The options of a verification. */
export interface AttestOptions {
  /** The nonce to send (hex); a fresh random one by default. */
  nonce?: string;
  expectBuild?: string;
  expectCompose?: string;
  /** Intel's collateral from a file (offline), or from a PCCS (default: Intel's PCS). */
  collateralFile?: string;
  pccsUrl?: string;
  /** The time to verify at, seconds since the epoch (default now). */
  now?: number;
  fetch?: typeof fetch;
}

/** A verdict: `ok` only when every judged check passed. */
export interface AttestResult {
  ok: boolean;
  checks: AttestationCheck[];
  document?: AttestationDocument;
}

async function getJson(f: typeof fetch, url: string): Promise<unknown> {
  const res = await f(url, { headers: { accept: 'application/json' }, redirect: 'error' });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

/** The JWKS the gateway serves now, found as an OAuth client finds it (RFC 8414 `jwks_uri`). */
async function liveJwks(f: typeof fetch, issuer: string): Promise<{ keys: [] }> {
  const u = new URL(issuer);
  const path = u.pathname.replace(/\/+$/, '');
  const meta = (await getJson(f, `${u.origin}/.well-known/oauth-authorization-server${path}`)) as { jwks_uri?: string };
  if (!meta.jwks_uri) throw new Error('the authorization server metadata names no jwks_uri');
  return (await getJson(f, meta.jwks_uri)) as { keys: [] };
}

/**
 * Verifies that the gateway at `url` runs in a TEE and which code holds people's credentials: fetches its attestation
 * with a fresh nonce, verifies the quote (Intel's signature chain and TCB status, `verifyQuote`), then the binding
 * (`checkBinding`: statement, nonce, event log, compose hash, live JWKS, build, master key). The binding is checked
 * only on a quote that verified. `oauth3 attest` prints what this answers.
 */
export async function attestGateway(url: string, o: AttestOptions = {}): Promise<AttestResult> {
  const f = o.fetch ?? fetch;
  const issuer = url.replace(/\/+$/, '');
  const nonce = (o.nonce ?? randomBytes(32).toString('hex')).toLowerCase();
  if (!/^([0-9a-f]{2}){1,64}$/.test(nonce)) throw new Error('the nonce must be hex, 1 to 64 bytes');
  const now = o.now ?? Math.floor(Date.now() / 1000);
  const doc = (await getJson(f, `${issuer}/.well-known/oauth3-attestation?nonce=${nonce}`)) as AttestationDocument;
  if (!doc.tee) return { ok: false, document: doc, checks: [{ name: 'tee', outcome: 'fail', detail: `not in a TEE: ${doc.reason}` }] };

  const quote = Buffer.from(doc.quote, 'hex');
  let report: TeeReport;
  try {
    report = verifyQuote(quote, await collateralFor(quote, { file: o.collateralFile, pccsUrl: o.pccsUrl }), now);
  } catch (e) {
    if (!(e instanceof QuoteRefused)) throw e;
    return { ok: false, document: doc, checks: [{ name: 'quote', outcome: 'fail', detail: `${e.message}; nothing else was checked` }] };
  }
  const tcb: AttestationCheck =
    report.tcbStatus === 'UpToDate'
      ? { name: 'quote', outcome: 'pass', detail: "signed by a genuine Intel TDX platform (Intel's root CA), TCB up to date" }
      : {
          name: 'quote',
          outcome: 'fail',
          detail: `signed by Intel TDX, but the platform's TCB status is ${report.tcbStatus}${report.advisoryIds.length ? ` (${report.advisoryIds.join(', ')})` : ''}`,
        };
  const checks = [
    tcb,
    ...checkBinding(report, doc, {
      nonce,
      issuer,
      liveThumbprints: await jwksThumbprints(await liveJwks(f, issuer)),
      expectBuild: o.expectBuild,
      expectCompose: o.expectCompose,
      now,
    }),
  ];
  return { ok: checks.every((c) => c.outcome !== 'fail'), checks, document: doc };
}
