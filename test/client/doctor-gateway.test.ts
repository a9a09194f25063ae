import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/oauth/index.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { runCli } from '../support/run-cli.js';

const ALL = [
  'challenge',
  'resource-metadata',
  'issuer',
  'pkce',
  'iss-parameter',
  'token-endpoint',
  'registration',
  'audience',
  'cimd-private-addresses',
];

describe('oauth3 doctor against the real gateway', () => {
  let gw: EchoGateway;
  let env: Record<string, string>;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    gw = await startEchoGateway('sqlite');
    const home = mkdtempSync(join(tmpdir(), 'oauth3-doctor-'));
    env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
    const made = await createClient(gw.app.ctx.db, { name: 'doctor', grantTypes: ['client_credentials'] });
    client = { id: made.client.clientId, secret: made.clientSecret! };
  });
  afterAll(() => gw.stop());

  it('its /mcp with a client: every check passes, one line each, exit 0', async () => {
    const r = await runCli(['doctor', `${gw.app.url}/mcp`, '--client-id', client.id], { ...env, OAUTH3_CLIENT_SECRET: client.secret });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, -1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual(ALL.map((n) => ['pass', n]));
    expect(lines.at(-1)).toBe(`ok: ${gw.app.url}/mcp works for MCP clients`);
    expect(r.stdout).toContain(`carries aud ${gw.app.url}/mcp`);
    expect(r.stdout).not.toContain(client.secret);
    expect(r.code).toBe(0);
  });

  it('its public URL (the gateway’s own API), --json: every check passes', async () => {
    const r = await runCli(['doctor', gw.app.url, '--json', '--client-id', client.id, '--client-secret', client.secret], env);
    const out = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ name: string; status: string; detail: string }> };
    expect(out.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(out.checks.map((c) => c.name)).toEqual(ALL);
    expect(out.checks[0]!.detail).toContain(`${gw.app.url}/api/v1/me answers 401`);
    expect(out.ok).toBe(true);
    expect(r.code).toBe(0);
  });

  it('without a client the aud round trip is reported as skipped, not passed', async () => {
    const r = await runCli(['doctor', `${gw.app.url}/mcp`], env);
    expect(r.stdout).toMatch(/^skip\s+audience\s+skipped: needs a client/m);
    expect(r.stdout.match(/^pass /gm)).toHaveLength(ALL.length - 1);
    expect(r.code).toBe(0);
  });

  it('a wrong client secret: the audience check fails by name, exit 1', async () => {
    const r = await runCli(['doctor', `${gw.app.url}/mcp`, '--client-id', client.id, '--client-secret', 'wrong'], env);
    expect(r.stdout).toMatch(/^FAIL\s+audience\s+the client_credentials grant failed: 401 invalid_client/m);
    expect(r.stdout).toContain('NOT ok');
    expect(r.code).toBe(1);
  });
});
