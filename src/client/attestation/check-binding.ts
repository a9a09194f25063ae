import { reportDataOf, type AttestationDocument } from './attestation-statement.js';
import { replayRtmrs } from './event-log.js';
import type { TeeReport } from './verify-quote.js';

/** One line of a verification: what was checked, whether it held, and why. `info` is reported, not judged. */
export interface AttestationCheck {
  name: string;
  outcome: 'pass' | 'fail' | 'info';
  detail: string;
}

/** What the verifier knows independently of the document: its own nonce, the URL it asked, the keys served now. */
export interface BindingExpectations {
  /** The nonce sent (hex). */
  nonce: string;
  /** The gateway's issuer as the verifier addressed it. */
  issuer: string;
  /** RFC 7638 thumbprints of the JWKS the gateway serves now (jwksThumbprints). */
  liveThumbprints: string[];
  expectBuild?: string;
  expectCompose?: string;
  /** Seconds since the epoch; the statement must be at most `maxAgeSeconds` (default 300) away from it. */
  now: number;
  maxAgeSeconds?: number;
}

type InTee = Extract<AttestationDocument, { tee: true }>;

const pass = (name: string, detail: string): AttestationCheck => ({ name, outcome: 'pass', detail });
const fail = (name: string, detail: string): AttestationCheck => ({ name, outcome: 'fail', detail });
const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
const bare = (u: string) => u.replace(/\/+$/, '');

/**
 * The checks after the quote's signature: they take the report `verifyQuote` answered, so nothing here can stand in
 * for that check. The statement must be the one the quote vouches for (report data), made for this verifier's nonce,
 * recently, by this issuer; the event log must replay to the quote's RTMRs and carry the compose hash; the signing
 * keys served now must be the attested ones; the build (and compose hash) must be the expected ones when given; the
 * master key must have been derived in the TEE.
 */
export function checkBinding(report: TeeReport, doc: InTee, e: BindingExpectations): AttestationCheck[] {
  const s = doc.statement;
  const checks: AttestationCheck[] = [];
  const expected = reportDataOf(s).toString('hex');
  checks.push(
    report.reportData.toLowerCase() === expected
      ? pass('report data', 'the quote vouches for this statement (its report data is the SHA-512 of the statement)')
      : fail('report data', 'the quote does not vouch for this statement: its report data is not the hash of the statement'),
  );
  checks.push(
    s.nonce === e.nonce.toLowerCase()
      ? pass('nonce', 'made for this request (the nonce sent)')
      : fail('nonce', 'the statement was made for another nonce: a replayed attestation'),
  );
  const age = Math.abs(e.now - s.time);
  const maxAge = e.maxAgeSeconds ?? 300;
  checks.push(
    age <= maxAge ? pass('time', `made ${age} s ago`) : fail('time', `made ${age} s away from now (more than ${maxAge} s): not fresh`),
  );
  checks.push(
    bare(s.issuer) === bare(e.issuer)
      ? pass('issuer', `attested for ${s.issuer}`)
      : fail('issuer', `attested for ${s.issuer}, not for ${e.issuer}`),
  );
  try {
    const replayed = replayRtmrs(doc.event_log);
    const wrong = replayed.flatMap((r, i) => (r === report.rtmr[i]!.toLowerCase() ? [] : [`RTMR${i}`]));
    checks.push(
      wrong.length
        ? fail('event log', `the event log does not replay to the quote's ${wrong.join(', ')}`)
        : pass('event log', `replays to the quote's RTMR0–3 (${doc.event_log.length} events)`),
    );
  } catch (err) {
    checks.push(fail('event log', `the event log cannot be replayed: ${(err as Error).message}`));
  }
  const composeEvents = doc.event_log.filter((ev) => ev.event === 'compose-hash');
  const measured = composeEvents.at(-1)?.event_payload.toLowerCase();
  if (!measured) checks.push(fail('compose hash', 'the event log has no compose-hash event: the app configuration is not measured'));
  else if (measured !== doc.compose_hash.toLowerCase())
    checks.push(fail('compose hash', `the measured compose hash ${measured} is not the one the document names (${doc.compose_hash})`));
  else if (e.expectCompose && measured !== e.expectCompose.toLowerCase())
    checks.push(fail('compose hash', `measured ${measured}, expected ${e.expectCompose}`));
  else checks.push(pass('compose hash', `${measured} is measured into RTMR3${e.expectCompose ? ', as expected' : ''}`));
  checks.push(
    sameList(e.liveThumbprints, s.jwks_thumbprints)
      ? pass('signing keys', `the ${s.jwks_thumbprints.length} keys served now are the attested ones`)
      : fail('signing keys', 'the JWKS served now is not the one attested: the signing keys changed after attestation'),
  );
  if (e.expectBuild)
    checks.push(
      s.build_digest === e.expectBuild
        ? pass('build', `runs ${s.build_digest}, as expected`)
        : fail('build', `runs ${s.build_digest ?? 'no build (from source)'}, expected ${e.expectBuild}`),
    );
  else
    checks.push({
      name: 'build',
      outcome: 'info',
      detail: `runs ${s.build_digest ?? 'no build (from source)'} (give --expect-build to compare)`,
    });
  checks.push(
    s.master_key === 'tee'
      ? pass('master key', 'derived in the TEE: the operator never holds it')
      : fail('master key', 'configured by the operator (allowed explicitly): the operator can decrypt the vault'),
  );
  return checks;
}
