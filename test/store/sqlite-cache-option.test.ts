import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/store/index.js';

/** OAUTH3_SQLITE_CACHE_MB: the page cache of the embedded database (docs/configuration.md), which bounds its share of the resident memory. */
describe('OAUTH3_SQLITE_CACHE_MB', () => {
  const dirs: string[] = [];
  // retries: the checkpoint worker's connection may still be closing (and removing the WAL) when the directory goes
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true, maxRetries: 5 })));

  /** The cache_size SQLite reports for a database opened with the configuration of `env` (negative: KiB). */
  const cacheSizeWith = async (env: Record<string, string>) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oauth3-cache-'));
    dirs.push(dataDir);
    const { db } = openDatabase(loadConfig({ ...env, OAUTH3_DATA_DIR: dataDir }));
    try {
      const { rows } = await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(db);
      return rows[0]!.cache_size;
    } finally {
      await db.destroy();
    }
  };

  it('is 16 MiB by default and what the option says otherwise', async () => {
    expect(await cacheSizeWith({})).toBe(-16 * 1024);
    expect(await cacheSizeWith({ OAUTH3_SQLITE_CACHE_MB: '64' })).toBe(-64 * 1024);
    expect(await cacheSizeWith({ OAUTH3_SQLITE_CACHE_MB: '2' })).toBe(-2 * 1024);
  });

  it('refuses a value that is not a whole number of MiB from 2 to 4096', () => {
    for (const bad of ['0', '1', '4097', '-16', '16.5', 'lots'])
      expect(() => loadConfig({ OAUTH3_SQLITE_CACHE_MB: bad }), bad).toThrow(ConfigError);
    expect(() => loadConfig({ OAUTH3_SQLITE_CACHE_MB: '1' })).toThrow(/OAUTH3_SQLITE_CACHE_MB/);
  });
});
