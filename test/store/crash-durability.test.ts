import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { dialects, freshDatabase } from '../support/databases.js';
import { openDatabase } from '../../src/store/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Acknowledged writes to collect before the SIGKILL. */
const TARGET = 300;
/** The writer stops by itself after this many writes (well past TARGET) or this long, whatever happens here. */
const WRITER_MAX_WRITES = 5000;
const WRITER_MAX_MS = 240_000;
/** The test fails when the writer makes no progress (no line on stdout) for this long: on a loaded machine it is slow, not stuck. */
const STALL_MS = 30_000;

/** Every writer spawned and not yet reaped, with its end (exited, stdout and stderr closed): killed after each test, however it ended (a net under the test's own finally). */
const running = new Map<ChildProcess, Promise<void>>();

/** SIGKILLs the writer (if it still runs) and resolves once it is gone and its pipes are closed. */
function killWriter(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  const closed = running.get(child) ?? Promise.resolve();
  running.delete(child);
  return closed;
}

afterEach(async () => {
  await Promise.all([...running.keys()].map(killWriter));
});

describe.each(dialects)('SIGKILL during writes on %s', (dialect) => {
  it(
    'loses nothing that was acknowledged',
    async () => {
      const target = await freshDatabase(dialect);
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/durability-writer.ts'], {
        cwd: root,
        env: {
          ...process.env,
          OAUTH3_DATA_DIR: target.dataDir,
          DATABASE_URL: target.databaseUrl ?? '',
          DURABILITY_MAX_WRITES: String(WRITER_MAX_WRITES),
          DURABILITY_MAX_MS: String(WRITER_MAX_MS),
        },
        // The IPC channel lets the writer see this process go away (it exits on 'disconnect').
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
      running.set(child, exited);
      onTestFinished(() => killWriter(child)); // also when vitest gives up on the test (its timeout)

      const acked: string[] = [];
      let stderr = '';
      child.stderr!.on('data', (d) => {
        stderr = (stderr + d).slice(-4000);
      });
      let buffer = '';
      let progress = () => {};
      // Every acknowledgement that reaches us counts, also those arriving after the kill was decided on.
      child.stdout!.on('data', (chunk) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop()!; // an unfinished line is not an acknowledgement
        for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
        if (lines.length) progress();
      });

      try {
        await new Promise<void>((resolve, reject) => {
          const stalled = setTimeout(
            () => reject(new Error(`the writer made no progress for ${STALL_MS} ms (${acked.length} writes acknowledged)\n${stderr}`)),
            STALL_MS,
          );
          progress = () => {
            if (acked.length < TARGET) {
              stalled.refresh();
              return;
            }
            progress = () => {};
            clearTimeout(stalled);
            child.kill('SIGKILL'); // mid-write: the loop never pauses
            resolve();
          };
          child.once('error', (e) => {
            clearTimeout(stalled);
            reject(e);
          });
          child.once('exit', (code, signal) => {
            clearTimeout(stalled);
            reject(new Error(`the writer exited early (${signal ?? code}) after ${acked.length} acknowledged writes\n${stderr}`));
          });
        });
        await exited; // every line it wrote is read
        expect(child.signalCode).toBe('SIGKILL');
      } finally {
        await killWriter(child);
      }
      expect(acked.length).toBeGreaterThanOrEqual(TARGET);

      const { db } = openDatabase(target);
      try {
        const rows = await db.selectFrom('audit_events').select('target_id').where('user_id', '=', 'u-durable').execute();
        const stored = new Set(rows.map((r) => r.target_id));
        const lost = acked.filter((m) => !stored.has(m));
        expect(lost).toEqual([]);
        expect(stored.size).toBeGreaterThanOrEqual(acked.length);
      } finally {
        await db.destroy();
      }
    },
    WRITER_MAX_MS + STALL_MS,
  ); // a backstop only: the writer stops by itself within WRITER_MAX_MS
});
