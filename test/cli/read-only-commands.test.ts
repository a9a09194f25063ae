import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/databases.js';
import { runCli } from '../support/run-cli.js';

const LISTS = [
  ['keys', 'list'],
  ['users', 'list'],
  ['clients', 'list'],
];

describe('read-only commands create nothing', () => {
  it('on a missing or empty data directory they say there is no database and exit non-zero', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'oauth3-cli-empty-'));
    const missing = join(empty, 'not-there');
    const runs = await Promise.all(LISTS.flatMap((args) => [empty, missing].map((dir) => runCli(args, { OAUTH3_DATA_DIR: dir }))));
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^oauth3: no database at .*oauth3\.db: check OAUTH3_DATA_DIR, or start the gateway first\n$/);
    }
    expect(readdirSync(empty)).toEqual([]); // no database, no master key
    expect(existsSync(missing)).toBe(false);
  }, 90_000);

  it('on a PostgreSQL database never migrated they say the schema is missing, and leave it empty', async () => {
    const { databaseUrl, dataDir } = await freshDatabase('postgres');
    const runs = await Promise.all(LISTS.map((args) => runCli(args, { OAUTH3_DATA_DIR: dataDir, DATABASE_URL: databaseUrl! })));
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/has no oauth3 tables: start the gateway or run `oauth3 migrate` first\n$/);
    }
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const tables = await client.query(`select table_name from information_schema.tables where table_schema = 'public'`);
      expect(tables.rows).toEqual([]);
    } finally {
      await client.end();
    }
    expect(readdirSync(dataDir)).toEqual([]);
  }, 90_000);
});

describe('usability', () => {
  it('--version prints the package version; serve --help lists every variable and where they are documented', async () => {
    const { version } = JSON.parse((await import('node:fs')).readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const [v, help] = await Promise.all([runCli(['--version'], {}), runCli(['serve', '--help'], {})]);
    expect(v.stdout).toBe(`${version} (build none: running from source)\n`); // from a build: the digest of dist/
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('docs/configuration.md');
    for (const name of ['OAUTH3_PORT', 'DATABASE_URL', 'OAUTH3_KEYS_POLL_MS', 'OAUTH3_SESSION_TTL'])
      expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  }, 60_000);
});
