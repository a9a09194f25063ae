import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { tokenService } from '../support/tokens.js';

describe('two instances sharing one PostgreSQL', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const db = await freshDatabase('postgres');
    const masterKey = randomBytes(32).toString('hex');
    a = await startTestApp('postgres', { ...db, masterKey });
    b = await startTestApp('postgres', { ...db, masterKey, publicUrl: a.config.publicUrl });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('share the signing key made by the first start', () => {
    expect(b.ctx.keys.activeKid).toBe(a.ctx.keys.activeKid);
  });

  it('a key rotated on one instance verifies on the other at once (one reload on the unknown kid)', async () => {
    await a.ctx.keys.rotate();
    const jwt = a.ctx.keys.sign({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 60 });
    const { token } = a.ctx.tokens.issueSession({ userId: 'u1', sessionId: 's-rot', ttl: 60 });
    expect(() => b.ctx.keys.verify(jwt)).toThrow(); // not loaded yet: triggers the reload
    await b.ctx.keys.settled();
    expect(b.ctx.keys.verify(jwt).payload.sub).toBe('u');
    expect((await b.ctx.tokens.verify(token)).userId).toBe('u1');
  });

  it('a token revoked on one instance is refused by the other', async () => {
    const { token, expiresAt } = a.ctx.tokens.issueSession({ userId: 'u2', sessionId: 's-rev', ttl: 60 });
    expect((await b.ctx.tokens.verify(token)).tokenId).toBe('s-rev');
    await a.ctx.tokens.revoke(a.ctx.db, [{ id: 's-rev', expiresAt: expiresAt * 1000 }]);
    await expect(a.ctx.tokens.verify(token)).rejects.toThrow('token revoked');
    for (let i = 0; i < 50 && !tokenService(b.ctx).revocations.has('s-rev'); i++) await new Promise((r) => setTimeout(r, 100));
    await expect(b.ctx.tokens.verify(token)).rejects.toThrow('token revoked');
  });
});
