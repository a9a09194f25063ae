import { createHmac, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { JwtError } from '../../src/crypto/index.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const exp = () => Math.floor(Date.now() / 1000) + 300;

describe.each(dialects)('signing keys on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  const reason = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as JwtError).reason;
    }
    return 'accepted';
  };

  it('signs and verifies ES256 with a kid published in the JWKS', () => {
    const jwt = app.ctx.keys.sign({ sub: 'u1', exp: exp() }, { typ: 'test+jwt' });
    const { header, payload } = app.ctx.keys.verify(jwt, { typ: 'test+jwt' });
    expect(header).toMatchObject({ alg: 'ES256', typ: 'test+jwt', kid: app.ctx.keys.activeKid });
    expect(payload.sub).toBe('u1');
    expect(app.ctx.keys.jwks().keys.map((k) => k.kid)).toEqual([app.ctx.keys.activeKid]);
  });

  it('refuses alg none, HS256 signed with the public key, an unknown kid, a changed payload and expiry', () => {
    const good = app.ctx.keys.sign({ sub: 'u1', exp: exp() });
    const [h, p, s] = good.split('.');
    const kid = app.ctx.keys.activeKid;
    expect(reason(() => app.ctx.keys.verify(`${b64({ alg: 'none', kid })}.${p}.`))).toBe('alg');
    const pem = createPublicKey({ key: app.ctx.keys.jwks().keys[0] as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const hsInput = `${b64({ alg: 'HS256', kid })}.${p}`;
    const hs = createHmac('sha256', pem).update(hsInput).digest('base64url');
    expect(reason(() => app.ctx.keys.verify(`${hsInput}.${hs}`))).toBe('alg');
    expect(reason(() => app.ctx.keys.verify(`${b64({ alg: 'ES256', kid: 'nope' })}.${p}.${s}`))).toBe('kid');
    expect(reason(() => app.ctx.keys.verify(`${h}.${b64({ sub: 'admin', exp: exp() })}.${s}`))).toBe('signature');
    expect(reason(() => app.ctx.keys.verify(app.ctx.keys.sign({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 1 })))).toBe('expired');
    expect(reason(() => app.ctx.keys.verify('a.b'))).toBe('malformed');
    expect(reason(() => app.ctx.keys.verify(good))).toBe('accepted');
  });

  it('rotates: the new key signs, the old keeps verifying until retired', async () => {
    const oldKid = app.ctx.keys.activeKid;
    const oldToken = app.ctx.keys.sign({ sub: 'u1', exp: exp() });
    const newKid = await app.ctx.keys.rotate();
    expect(newKid).not.toBe(oldKid);
    expect(app.ctx.keys.activeKid).toBe(newKid);
    const jwks = await (await fetch(`${app.url}/jwks.json`)).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    expect(reason(() => app.ctx.keys.verify(oldToken))).toBe('accepted');
    const statuses = Object.fromEntries((await app.ctx.keys.list()).map((k) => [k.kid, k.status]));
    expect(statuses).toEqual({ [oldKid]: 'verify', [newKid]: 'active' });

    expect(await app.ctx.keys.retire(newKid)).toBe(false); // the active key cannot be retired
    expect(await app.ctx.keys.retire(oldKid)).toBe(true);
    expect(reason(() => app.ctx.keys.verify(oldToken))).toBe('kid');
    const after = await (await fetch(`${app.url}/jwks.json`)).json();
    expect(after.keys.map((k: { kid: string }) => k.kid)).toEqual([newKid]);
  });

  it('keeps private keys encrypted at rest', async () => {
    const rows = await app.ctx.db.selectFrom('signing_keys').selectAll().execute();
    for (const r of rows) {
      expect(r.private_sealed).toMatch(/^v1\./);
      expect(r.public_jwk).not.toContain('"d"');
    }
  });
});
