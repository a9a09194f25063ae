import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkBinding,
  replayRtmrs,
  reportDataOf,
  runtimeEventDigest,
  RUNTIME_EVENT_TYPE,
  type AttestationDocument,
  type AttestationStatement,
  type BindingExpectations,
  type TeeEvent,
  type TeeReport,
} from '../../src/attestation/index.js';

// The checks after the quote's signature, on a report as verifyQuote answers it. The report here is made to match
// (as a genuine TDX platform's would for this document); each attack changes one thing and must be refused by name.
type InTee = Extract<AttestationDocument, { tee: true }>;
const hex48 = () => randomBytes(48).toString('hex');
const runtime = (event: string, payload: string): TeeEvent => ({
  imr: 3,
  event_type: RUNTIME_EVENT_TYPE,
  digest: runtimeEventDigest(event, payload),
  event,
  event_payload: payload,
});
const now = 1_800_000_000;
const compose = randomBytes(32).toString('hex');
const nonce = randomBytes(16).toString('hex');

function attested(change: Partial<AttestationStatement> = {}): { report: TeeReport; doc: InTee; expect: BindingExpectations } {
  const statement: AttestationStatement = {
    version: 1,
    issuer: 'https://gateway.example',
    jwks_thumbprints: ['b-key', 'a-key'].sort(),
    vault_key_ids: ['dk_1'],
    build_digest: `sha256:${'ab'.repeat(32)}`,
    master_key: 'tee',
    nonce,
    time: now - 2,
    ...change,
  };
  const event_log: TeeEvent[] = [
    { imr: 0, event_type: 1, digest: hex48(), event: '', event_payload: '' },
    { imr: 1, event_type: 1, digest: hex48(), event: '', event_payload: '' },
    { imr: 2, event_type: 1, digest: hex48(), event: '', event_payload: '' },
    runtime('app-id', randomBytes(20).toString('hex')),
    runtime('compose-hash', compose),
    runtime('instance-id', randomBytes(20).toString('hex')),
  ];
  const doc: InTee = {
    tee: true,
    platform: 'tdx',
    statement,
    report_data: reportDataOf(statement).toString('hex'),
    quote: '',
    event_log,
    compose_hash: compose,
    app_id: 'app',
    instance_id: 'instance',
  };
  const report: TeeReport = {
    tcbStatus: 'UpToDate',
    advisoryIds: [],
    mrTd: hex48(),
    rtmr: replayRtmrs(event_log),
    reportData: doc.report_data,
  };
  return { report, doc, expect: { nonce, issuer: 'https://gateway.example/', liveThumbprints: ['a-key', 'b-key'], now } };
}
const failed = (checks: ReturnType<typeof checkBinding>) => checks.filter((c) => c.outcome === 'fail');

describe('the attestation binding', () => {
  it('passes every check for a matching report, document and live keys', () => {
    const a = attested();
    const checks = checkBinding(a.report, a.doc, { ...a.expect, expectBuild: a.doc.statement.build_digest!, expectCompose: compose });
    expect(failed(checks)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual([
      'report data',
      'nonce',
      'time',
      'issuer',
      'event log',
      'compose hash',
      'signing keys',
      'build',
      'master key',
    ]);
  });

  it('refuses report data that does not match the statement (a statement changed after the quote)', () => {
    const a = attested();
    a.doc.statement = { ...a.doc.statement, jwks_thumbprints: ['attacker-key'] };
    const f = failed(checkBinding(a.report, a.doc, { ...a.expect, liveThumbprints: ['attacker-key'] }));
    expect(f.map((c) => c.name)).toEqual(['report data']);
    expect(f[0]!.detail).toMatch(/not the hash of the statement/);
  });

  it('refuses a replayed quote made for an old nonce', () => {
    const a = attested({ nonce: 'aa'.repeat(16) });
    const f = failed(checkBinding(a.report, a.doc, a.expect));
    expect(f.map((c) => c.name)).toEqual(['nonce']);
    expect(f[0]!.detail).toMatch(/replayed/);
  });

  it('refuses a statement that is not fresh, or made for another issuer', () => {
    const old = attested({ time: now - 3600 });
    expect(failed(checkBinding(old.report, old.doc, old.expect)).map((c) => c.name)).toEqual(['time']);
    const other = attested({ issuer: 'https://evil.example' });
    expect(failed(checkBinding(other.report, other.doc, other.expect)).map((c) => c.detail)).toEqual([
      'attested for https://evil.example, not for https://gateway.example/',
    ]);
  });

  it('refuses a JWKS that changed after attestation', () => {
    const a = attested();
    const f = failed(checkBinding(a.report, a.doc, { ...a.expect, liveThumbprints: ['a-key', 'b-key', 'new-key'] }));
    expect(f.map((c) => c.name)).toEqual(['signing keys']);
    expect(f[0]!.detail).toMatch(/changed after attestation/);
  });

  it('refuses an event log that does not replay to the quote, and a runtime event changed under its digest', () => {
    const a = attested();
    a.doc.event_log = [...a.doc.event_log.slice(0, 2), { ...a.doc.event_log[2]!, digest: hex48() }, ...a.doc.event_log.slice(3)];
    const f = failed(checkBinding(a.report, a.doc, a.expect));
    expect(f.map((c) => c.detail)).toEqual(["the event log does not replay to the quote's RTMR2"]);

    const b = attested();
    const forged = compose.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    b.doc.event_log = b.doc.event_log.map((ev) => (ev.event === 'compose-hash' ? { ...ev, event_payload: forged } : ev));
    b.doc.compose_hash = forged;
    const g = failed(checkBinding(b.report, b.doc, b.expect));
    expect(g.map((c) => c.name)).toEqual(['event log']);
    expect(g[0]!.detail).toMatch(/"compose-hash" does not match its digest/);
  });

  it('refuses a missing compose hash, one the document misnames, and one other than expected', () => {
    const a = attested();
    a.doc.event_log = a.doc.event_log.filter((ev) => ev.event !== 'compose-hash');
    a.report = { ...a.report, rtmr: replayRtmrs(a.doc.event_log) };
    expect(failed(checkBinding(a.report, a.doc, a.expect)).map((c) => c.detail)).toEqual([
      'the event log has no compose-hash event: the app configuration is not measured',
    ]);
    const b = attested();
    b.doc.compose_hash = 'ff'.repeat(32);
    expect(failed(checkBinding(b.report, b.doc, b.expect)).map((c) => c.name)).toEqual(['compose hash']);
    const c = attested();
    expect(failed(checkBinding(c.report, c.doc, { ...c.expect, expectCompose: 'ee'.repeat(32) })).map((x) => x.name)).toEqual([
      'compose hash',
    ]);
  });

  it('refuses another build than the expected one, and reports the build when none is expected', () => {
    const a = attested();
    expect(failed(checkBinding(a.report, a.doc, { ...a.expect, expectBuild: `sha256:${'cd'.repeat(32)}` })).map((c) => c.name)).toEqual([
      'build',
    ]);
    const info = checkBinding(a.report, a.doc, a.expect).find((c) => c.name === 'build')!;
    expect(info.outcome).toBe('info');
    expect(info.detail).toContain(a.doc.statement.build_digest!);
  });

  it('refuses a master key the operator configured', () => {
    const a = attested({ master_key: 'configured' });
    const f = failed(checkBinding(a.report, a.doc, a.expect));
    expect(f.map((c) => c.name)).toEqual(['master key']);
    expect(f[0]!.detail).toMatch(/operator can decrypt/);
  });
});
