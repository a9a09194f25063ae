import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../support/run-cli.js';
import { freePort } from '../support/free-port.js';
import { waitHealthy } from '../support/wait-healthy.js';
import { openDatabase } from '../../src/store/index.js';

describe('graceful shutdown on SIGTERM', () => {
  it('finishes the in-flight request, flushes the audit log, closes the database and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oauth3-stop-'));
    const port = await freePort();
    const child = spawnCli(['serve'], {
      OAUTH3_DATA_DIR: dataDir,
      OAUTH3_PORT: String(port),
      OAUTH3_MASTER_KEY: randomBytes(32).toString('hex'),
      OAUTH3_AUDIT_FLUSH_MS: '60000',
      OAUTH3_LOG_LEVEL: 'warn',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(url);

    // A request whose body is still arriving when the signal comes is in flight and must be answered.
    const answered = new Promise<number>((resolve, reject) => {
      const req = request(
        `${url}/no-such-route`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.write('{"a":');
      setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(() => req.end('1}'), 300);
      }, 100);
    });
    expect(await answered).toBe(404);
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow(); // no longer listening

    // server.started was queued with a 60 s batch interval: only the shutdown flush can have written it.
    const { db } = openDatabase({ dataDir });
    try {
      const events = await db.selectFrom('audit_events').select('action').execute();
      expect(events.map((e) => e.action)).toContain('server.started');
    } finally {
      await db.destroy();
    }
  });
});
