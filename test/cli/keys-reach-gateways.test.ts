import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { runCli } from '../support/run-cli.js';
import { eventually } from './eventually.js';
import { idToken } from '../../src/oauth/tokens/id-token.js';

const kidOf = (jwt: string): string => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).kid;

describe.each(dialects)('oauth3 keys rotate and retire reach a running gateway (%s)', (dialect) => {
  let app: TestApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    app = await startTestApp(dialect, { keysPollMs: 200 });
    env = {
      OAUTH3_DATA_DIR: app.config.dataDir,
      OAUTH3_MASTER_KEY: app.config.masterKey!,
      ...(app.config.databaseUrl ? { DATABASE_URL: app.config.databaseUrl } : {}),
    };
  });
  afterAll(() => app?.stop());

  const jwks = async (): Promise<Array<{ kid: string; alg: string; kty: string }>> =>
    ((await (await fetch(`${app.url}/jwks.json`)).json()) as { keys: Array<{ kid: string; alg: string; kty: string }> }).keys;
  const jwksKids = async (): Promise<string[]> => (await jwks()).map((k) => k.kid);
  /** An ID token as the code flow signs it for a client registered with RS256 (the default). */
  const rsaIdToken = () => idToken(app.ctx, { userId: 'u1', clientId: 'c1', nonce: null, accessToken: 'at', authTime: null, alg: 'RS256' });

  it('a rotated key is published and signs; a retired key stops verifying', async () => {
    const oldKid = app.ctx.keys.activeKid;
    const old = app.ctx.tokens.issueSession({ userId: 'u1', sessionId: 's-old', ttl: 600 });
    expect(kidOf(old.token)).toBe(oldKid);

    const rotated = await runCli(['keys', 'rotate'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKid = rotated.stdout.trim();
    expect(newKid).not.toBe(oldKid);
    expect(await eventually(async () => (await jwksKids()).includes(newKid))).toBe(true);
    expect(await jwksKids()).toContain(oldKid); // rotated out, still verifying
    expect(kidOf(app.ctx.tokens.issueSession({ userId: 'u1', sessionId: 's-new', ttl: 600 }).token)).toBe(newKid);
    expect((await app.ctx.tokens.verify(old.token)).tokenId).toBe('s-old');

    const retired = await runCli(['keys', 'retire', oldKid], env);
    expect(retired.code, retired.stderr).toBe(0);
    expect(await eventually(async () => !(await jwksKids()).includes(oldKid))).toBe(true);
    await expect(app.ctx.tokens.verify(old.token)).rejects.toThrow(); // the attack: a token of a retired key
  }, 120_000);

  it('keys rotate --alg RS256 adds the ID-token key a running gateway then signs with; ES256 stays as it was', async () => {
    const firstRsa = kidOf(await rsaIdToken()); // made on first use
    const es256 = app.ctx.keys.activeKid;

    const rotated = await runCli(['keys', 'rotate', '--alg', 'RS256'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKid = rotated.stdout.trim();
    expect(newKid).not.toBe(firstRsa);
    expect(await eventually(async () => kidOf(await rsaIdToken()) === newKid)).toBe(true);
    const published = (await jwks()).find((k) => k.kid === newKid);
    expect(published).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(await jwksKids()).toContain(firstRsa); // rotated out, ID tokens it signed still verify for clients
    expect(app.ctx.keys.activeKid).toBe(es256);
    const listed = await runCli(['keys', 'list', '--json'], env);
    const rows = JSON.parse(listed.stdout) as Array<{ kid: string; alg: string; status: string }>;
    expect(rows.find((k) => k.kid === newKid)).toMatchObject({ alg: 'RS256', status: 'active' });
    expect(rows.find((k) => k.kid === firstRsa)).toMatchObject({ alg: 'RS256', status: 'verify' });
    expect(rows.find((k) => k.kid === es256)).toMatchObject({ alg: 'ES256', status: 'active' });

    const retired = await runCli(['keys', 'retire', firstRsa], env);
    expect(retired.code, retired.stderr).toBe(0);
    expect(await eventually(async () => !(await jwksKids()).includes(firstRsa))).toBe(true);
  }, 120_000);

  it('keys rotate refuses an algorithm it does not sign with, creating nothing', async () => {
    const before = (await runCli(['keys', 'list', '--json'], env)).stdout;
    const refused = await runCli(['keys', 'rotate', '--alg', 'HS256'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/HS256.*invalid.*ES256, RS256/s);
    expect((await runCli(['keys', 'list', '--json'], env)).stdout).toBe(before);
  }, 60_000);
});
