import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { standInReport, startDstackGuest, type DstackGuest } from '../support/dstack-guest.js';
import { checkBinding, jwksThumbprints, replayRtmrs, reportDataOf, type AttestationDocument } from '../../src/attestation/index.js';
import { vaultOf } from '../../src/vault/index.js';

type InTee = Extract<AttestationDocument, { tee: true }>;
const PATH = '/.well-known/oauth3-attestation';

describe('GET /.well-known/oauth3-attestation in a TEE (stand-in guest agent)', () => {
  let guest: DstackGuest;
  let app: TestApp;
  beforeAll(async () => {
    guest = await startDstackGuest();
    app = await startTestApp('sqlite', { masterKey: undefined, dstackEndpoint: guest.socket });
  });
  afterAll(async () => {
    await app?.stop();
    await guest?.close();
  });

  it('answers a fresh quote whose report data is reportDataOf(statement), for the nonce sent, not cached', async () => {
    const nonce = 'C0FFEE'.repeat(10);
    const before = Math.floor(Date.now() / 1000);
    const res = await fetch(`${app.url}${PATH}?nonce=${nonce}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const doc = (await res.json()) as InTee;
    expect(doc.tee).toBe(true);
    expect(doc.platform).toBe('tdx');
    const s = doc.statement;
    expect(s).toMatchObject({ version: 1, issuer: app.url, master_key: 'tee', nonce: nonce.toLowerCase(), build_digest: null });
    expect(s.time).toBeGreaterThanOrEqual(before);
    expect(doc.report_data).toBe(reportDataOf(s).toString('hex'));
    const report = standInReport(doc.quote);
    expect(report.reportData).toBe(doc.report_data); // the quote the agent made is over this statement
    expect(guest.calls.filter((c) => c === '/GetQuote')).toHaveLength(1);
  });

  it('attests the signing keys /jwks.json serves and the vault data keys, with the compose hash and the app ids', async () => {
    const doc = (await (await fetch(`${app.url}${PATH}`)).json()) as InTee;
    const jwks = await (await fetch(`${app.url}/jwks.json`)).json();
    expect(doc.statement.jwks_thumbprints).toEqual(await jwksThumbprints(jwks));
    expect(doc.statement.jwks_thumbprints.length).toBeGreaterThan(0);
    const dataKeys = (await vaultOf(app.ctx).ring.list()).map((k) => k.kid);
    expect(doc.statement.vault_key_ids).toEqual(dataKeys.sort());
    expect(doc.statement.nonce).toBe('');
    expect(doc).toMatchObject({ compose_hash: guest.composeHash, app_id: guest.appId, instance_id: guest.instanceId });
    expect(doc.event_log.find((e) => e.event === 'compose-hash')?.event_payload).toBe(guest.composeHash);
    expect(replayRtmrs(doc.event_log)).toEqual(standInReport(doc.quote).rtmr);
  });

  it('passes every binding check of the verifier (on the stand-in report: the signature is not what is tested here)', async () => {
    const nonce = 'ab'.repeat(32);
    const doc = (await (await fetch(`${app.url}${PATH}?nonce=${nonce}`)).json()) as InTee;
    const checks = checkBinding(standInReport(doc.quote), doc, {
      nonce,
      issuer: app.url,
      liveThumbprints: await jwksThumbprints(await (await fetch(`${app.url}/jwks.json`)).json()),
      expectCompose: guest.composeHash,
      now: Math.floor(Date.now() / 1000),
    });
    expect(checks.filter((c) => c.outcome === 'fail')).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['report data', 'nonce', 'event log', 'compose hash', 'signing keys']),
    );
  });

  it.each([
    ['not hex', 'xyz0'],
    ['an odd number of digits', 'abc'],
    ['empty', ''],
    ['more than 64 bytes', 'ab'.repeat(65)],
  ])('refuses a nonce that is %s: 400, and no quote is asked for', async (_what, nonce) => {
    const quotes = guest.calls.filter((c) => c === '/GetQuote').length;
    const res = await fetch(`${app.url}${PATH}?nonce=${nonce}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'ERR_ATTESTATION_BAD_NONCE',
      message: 'nonce: must be hex (an even number of 0-9a-f), 1 to 64 bytes.',
    });
    expect(guest.calls.filter((c) => c === '/GetQuote')).toHaveLength(quotes);
  });

  it('refuses two nonces: 400', async () => {
    const res = await fetch(`${app.url}${PATH}?nonce=aa&nonce=bb`);
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(/nonce/);
  });

  it('/health says tee: true', async () => {
    expect(await (await fetch(`${app.url}/health`)).json()).toMatchObject({ status: 'healthy', tee: true });
  });

  it('is in the API documentation', async () => {
    const doc = await (await fetch(`${app.url}/docs/json`)).json();
    expect(doc.paths[PATH]?.get?.summary).toMatch(/TEE quote/);
  });
});

describe('GET /.well-known/oauth3-attestation when the agent stops answering', () => {
  it('answers 503 ERR_ATTESTATION_UNAVAILABLE, not a 500', async () => {
    const guest = await startDstackGuest();
    const app = await startTestApp('sqlite', { masterKey: undefined, dstackEndpoint: guest.socket });
    try {
      await guest.close();
      const res = await fetch(`${app.url}${PATH}?nonce=00`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: 'ERR_ATTESTATION_UNAVAILABLE' });
    } finally {
      await app.stop();
    }
  });
});

describe('GET /.well-known/oauth3-attestation outside a TEE', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('sqlite', { rateLimitAuth: 3 });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('answers tee: false and why (no guest agent), 200; /health says tee: false', async () => {
    const res = await fetch(`${app.url}${PATH}?nonce=00ff`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      tee: false,
      reason: 'not running in a TEE: there is no dstack guest agent (no /var/run/dstack.sock)',
    });
    expect(await (await fetch(`${app.url}/health`)).json()).toMatchObject({ tee: false });
  });

  it('still refuses a bad nonce', async () => {
    expect((await fetch(`${app.url}${PATH}?nonce=zz`)).status).toBe(400);
  });

  it('is rate-limited per IP like the other public endpoints that cost (a quote is expensive)', async () => {
    let status = 200;
    for (let i = 0; i < 4 && status !== 429; i++) status = (await fetch(`${app.url}${PATH}`)).status;
    expect(status).toBe(429);
  });
});

describe('GET /.well-known/oauth3-attestation with OAUTH3_TEE=off', () => {
  it('says the TEE is off', async () => {
    const app = await startTestApp('sqlite', { tee: 'off' });
    try {
      expect(await (await fetch(`${app.url}${PATH}`)).json()).toEqual({
        tee: false,
        reason: 'OAUTH3_TEE=off: this gateway does not use a TEE',
      });
    } finally {
      await app.stop();
    }
  });
});
