import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const SECRET = 'gh-secret-never-printed-4242';

describe('oauth3 provider list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oauth3-provider-cli-'));
  const file = join(dir, 'providers.yaml');
  writeFileSync(file, ['- preset: telegram', '- id: weather', '  preset: http_api_key', '  name: Weather API'].join('\n'));
  const env = {
    OAUTH3_DATA_DIR: join(dir, 'data'),
    OAUTH3_PROVIDERS: JSON.stringify([
      { preset: 'google', client_id: 'g-client', client_secret: 'g-secret-never-printed' },
      { preset: 'github', client_id: 'gh-client', client_secret_env: 'GH_SECRET' },
      { preset: 'x', id: 'x-public', client_id: 'x-client', token_endpoint_auth_method: 'none' },
    ]),
    OAUTH3_PROVIDERS_FILE: file,
    GH_SECRET: SECRET,
  };

  it('shows the providers in headed columns, whether a secret is set but never the secret, and touches no database', async () => {
    const r = await runCli(['provider', 'list'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+KIND\s+ISSUER \/ HOST\s+SCOPES\s+SECRET$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      ['google', 'Google', 'oidc', 'https://accounts.google.com', 'openid email profile', 'set'],
      ['github', 'GitHub', 'oauth2', 'github.com', 'read:user', 'set'],
      ['x-public', 'X', 'oauth2', 'x.com api.x.com', 'tweet.read tweet.write users.read offline.access', 'none'],
      ['telegram', 'Telegram bot', 'api_key', 'api.telegram.org', '-', '-'],
      ['weather', 'Weather API', 'api_key', '-', '-', '-'],
    ]);
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stdout).not.toContain('g-secret-never-printed');
    expect(readdirSync(dir)).toEqual(['providers.yaml']); // no data directory, no database, no master key
  });

  it('--json prints the rows', async () => {
    const r = await runCli(['provider', 'list', '--json'], env);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows[1]).toEqual({ id: 'github', name: 'GitHub', kind: 'oauth2', upstream: 'github.com', scopes: ['read:user'], secret: true });
    expect(rows[3]).toEqual({
      id: 'telegram',
      name: 'Telegram bot',
      kind: 'api_key',
      upstream: 'api.telegram.org',
      scopes: [],
      secret: null,
    });
    expect(r.stdout).not.toContain(SECRET);
  });

  it('says when none is configured', async () => {
    const r = await runCli(['provider', 'list'], { OAUTH3_DATA_DIR: join(dir, 'data') });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no providers configured (OAUTH3_PROVIDERS, OAUTH3_PROVIDERS_FILE)\n');
  });

  it('a bad entry fails as the start does, naming the provider and the field, without the secret', async () => {
    const r = await runCli(['provider', 'list'], {
      ...env,
      OAUTH3_PROVIDERS: JSON.stringify([{ preset: 'github', client_secret: SECRET }]),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('oauth3: OAUTH3_PROVIDERS: provider "github": client_id is required\n');
    expect(r.stdout).toBe('');
  });
});
