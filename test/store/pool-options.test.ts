import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { freshDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The PostgreSQL connections a gateway holds (docs/scaling.md, "Connections"): OAUTH3_DATABASE_POOL_MAX bounds the
 * query pool, and OAUTH3_DATABASE_LISTEN_URL sends the LISTEN connection elsewhere (PostgreSQL itself, when the pool
 * goes through a transaction-pooling PgBouncer). The two are told apart here by their application_name.
 */
describe('PostgreSQL connection options', () => {
  let app: TestApp;
  let admin: pg.Client;
  let database: string;

  beforeAll(async () => {
    const { dataDir, databaseUrl } = await freshDatabase('postgres');
    const url = new URL(databaseUrl!);
    database = url.pathname.slice(1);
    const named = (name: string) => {
      const u = new URL(url);
      u.searchParams.set('application_name', name);
      return u.toString();
    };
    app = await startTestApp('postgres', {
      dataDir,
      databaseUrl: named('oauth3-pool'),
      databaseListenUrl: named('oauth3-listen'),
      databasePoolMax: 2,
    });
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await app?.stop();
  });

  const connections = async () =>
    (
      await admin.query<{ application_name: string; query: string }>(
        'SELECT application_name, query FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database],
      )
    ).rows;

  it('queries never use more connections than OAUTH3_DATABASE_POOL_MAX, however many wait', async () => {
    let most = 0;
    const busy = Promise.all(Array.from({ length: 8 }, () => sql`select pg_sleep(0.15)`.execute(app.ctx.db)));
    const watching = (async () => {
      for (let i = 0; i < 10; i++) {
        most = Math.max(most, (await connections()).filter((c) => c.application_name === 'oauth3-pool').length);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await Promise.all([busy, watching]);
    expect(most).toBe(2);
  });

  it('the revocation LISTEN connection uses OAUTH3_DATABASE_LISTEN_URL', async () => {
    await expect
      .poll(async () => (await connections()).filter((c) => c.application_name === 'oauth3-listen').map((c) => c.query))
      .toEqual([expect.stringMatching(/^LISTEN /i)]);
    expect((await connections()).filter((c) => c.application_name === 'oauth3-pool' && /^LISTEN /i.test(c.query))).toEqual([]);
  });
});
