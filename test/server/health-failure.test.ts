import { describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp } from '../support/test-app.js';
import { symmetricKey } from '../../src/crypto/index.js';

describe.each(dialects)('health on %s', (dialect) => {
  /** PostgreSQL's /health also says how other instances' revocations arrive (its LISTEN connection is its own). */
  const listen = dialect === 'postgres' ? { revocations: 'notified' } : {};
  it('answers 503 naming the database when it stops answering', async () => {
    const app = await startTestApp(dialect);
    const realDb = app.ctx.db;
    try {
      await realDb.destroy();
      const res = await fetch(`${app.url}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        status: 'unhealthy',
        database: 'unreachable',
        encryption: 'operational',
        build: null,
        tee: false,
        ...listen,
      });
    } finally {
      // The real database is already closed: give shutdown a stand-in so it does not close it twice.
      app.ctx.db = { destroy: async () => undefined, insertInto: () => ({ values: () => ({ execute: async () => [] }) }) } as never;
      await app.stop();
    }
  });

  it('answers 503 naming encryption when the key ring cannot decrypt its probe', async () => {
    const app = await startTestApp(dialect);
    try {
      (app.ctx.keys as unknown as { masterKey: unknown }).masterKey = { ...symmetricKey(Buffer.alloc(32, 1)), bytes: Buffer.alloc(3) };
      const res = await fetch(`${app.url}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        status: 'unhealthy',
        database: 'connected',
        encryption: 'failing',
        build: null,
        tee: false,
        ...listen,
      });
    } finally {
      await app.stop();
    }
  });
});
