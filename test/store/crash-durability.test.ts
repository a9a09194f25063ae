import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dialects, freshDatabase } from '../support/databases.js';
import { openDatabase } from '../../src/store/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe.each(dialects)('SIGKILL during writes on %s', (dialect) => {
  it('loses nothing that was acknowledged', async () => {
    const target = await freshDatabase(dialect);
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/durability-writer.ts'], {
      cwd: root, env: { ...process.env, OAUTH3_DATA_DIR: target.dataDir, DATABASE_URL: target.databaseUrl ?? '' }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: string[] = [];
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${acked.length} writes acknowledged in time`)), 30_000);
      child.stdout!.on('data', (chunk) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
        if (acked.length >= 300) {
          clearTimeout(timer);
          child.kill('SIGKILL'); // mid-write: the loop never pauses
          resolve();
        }
      });
      child.on('exit', (code) => { if (acked.length < 300) reject(new Error(`writer exited early (${code})`)); });
    });
    await new Promise((r) => child.once('exit', r));
    expect(child.signalCode).toBe('SIGKILL');

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
  });
});
