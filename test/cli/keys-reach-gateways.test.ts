import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { runCli } from '../support/run-cli.js';
import { eventually } from './eventually.js';

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

  const jwksKids = async (): Promise<string[]> =>
    ((await (await fetch(`${app.url}/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

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
});
