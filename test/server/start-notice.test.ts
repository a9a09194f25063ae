import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.js';
import { builtinModules, createLogger, startServer, type RunningServer } from '../../src/server/index.js';
import { humanLine, humanStream } from '../../src/server/human-log.js';
import { dialects } from '../support/databases.js';
import { startTestApp } from '../support/test-app.js';

/** A logger at info writing into `lines` (JSON lines, or human ones through humanStream). */
function capture(human = false) {
  const lines: string[] = [];
  const out = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const sink = human ? humanStream({ write: (s: string) => lines.push(s) }) : (out as never);
  return { lines, log: createLogger('info', sink) };
}

const startLine = (lines: string[]) =>
  lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'oauth3 gateway listening');

describe.each(dialects)('what the start prints for a new user (%s)', (dialect) => {
  const servers: RunningServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.stop())));

  it('the sign-up address while no account exists, then the public URL; the database; the key from OAUTH3_MASTER_KEY', async () => {
    const first = capture();
    const app = await startTestApp(dialect, { logLevel: 'info' }, [], first.log);
    const notice = startLine(first.lines);
    expect(notice).toMatchObject({
      url: `http://127.0.0.1:${app.config.port}`,
      publicUrl: app.url,
      open: `${app.url}/signup`,
      firstRun: true,
    });
    expect(notice?.masterKey).toBe('OAUTH3_MASTER_KEY');
    if (dialect === 'sqlite')
      expect(notice).toMatchObject({ database: 'sqlite', databaseLocation: resolve(app.config.dataDir, 'oauth3.db') });
    else {
      const password = new URL(app.config.databaseUrl!).password;
      expect(notice).toMatchObject({ database: 'postgres' });
      expect(String(notice?.databaseLocation)).toMatch(/^postgres(ql)?:\/\//);
      expect(password).not.toBe('');
      expect(String(notice?.databaseLocation)).toContain(':***@'); // the URL is shown without its password
      expect(first.lines.join('')).not.toContain(`:${password}@`);
    }
    await createUser(app.ctx.db);
    await app.stop();

    const again = capture();
    servers.push(await startServer(app.config, { logger: again.log, modules: builtinModules }));
    expect(startLine(again.lines)).toMatchObject({ open: app.url, firstRun: false });
  });
});

describe('the start on a terminal', () => {
  const servers: RunningServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.stop())));

  it('is a few lines: where to open, the database file, the generated master key file', async () => {
    const { lines, log } = capture(true);
    const app = await startTestApp('sqlite', { logLevel: 'info', masterKey: undefined }, [], log);
    servers.push(app);
    const keyFile = resolve(app.config.dataDir, 'master.key');
    expect(existsSync(keyFile)).toBe(true);
    const banner = lines.find((l) => l.includes('oauth3 gateway listening'))!;
    expect(banner.replace(/^\d\d:\d\d:\d\d /, '').split('\n')).toEqual([
      `INFO  oauth3 gateway listening on http://127.0.0.1:${app.config.port}`,
      `  open        ${app.url}/signup   (no account yet: sign up to create the first one)`,
      `  database    ${join(resolve(app.config.dataDir), 'oauth3.db')} (SQLite)`,
      `  master key  ${keyFile} (back it up)`,
      '',
    ]);
  });

  it('names a cluster and a key from the environment', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 1, 9, 30, 0),
      msg: 'oauth3 gateway listening',
      url: 'http://0.0.0.0:8000',
      publicUrl: 'https://auth.example.com',
      open: 'https://auth.example.com',
      firstRun: false,
      database: 'postgres',
      databaseLocation: 'postgres://oauth3:***@db.internal/oauth3',
      masterKey: 'OAUTH3_MASTER_KEY',
      workers: 4,
    });
    expect(humanLine(line)).toBe(
      [
        '09:30:00 INFO  oauth3 gateway listening on http://0.0.0.0:8000 (4 workers)',
        '  open        https://auth.example.com',
        '  database    postgres://oauth3:***@db.internal/oauth3 (PostgreSQL)',
        '  master key  from OAUTH3_MASTER_KEY',
        '',
      ].join('\n'),
    );
  });
});
