import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { digestOfTree } from '../../src/attestation/index.js';
import { freePort } from '../support/free-port.js';
import { waitHealthy } from '../support/wait-healthy.js';
import { spawn } from 'node:child_process';
import { LOG_COPY } from '../support/log-secrets.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Builds live inside the repository (so dist/ finds node_modules as an installed package would), at the same depth
// (source maps name the sources by relative path), each with the package.json `oauth3 --version` reads.
const builds = join(root, '.build-test');
const buildInto = (name: string): string => {
  const dir = join(builds, name);
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  const out = execFileSync(process.execPath, ['scripts/build.mjs', join(dir, 'dist')], { cwd: root, encoding: 'utf8' });
  return /build digest (sha256:[0-9a-f]{64})/.exec(out)![1]!;
};

describe('the build digest', () => {
  afterAll(() => rmSync(builds, { recursive: true, force: true }));

  it(
    'is the same for two builds of the same source, is what the build prints, and is what `--version` and /health say',
    { timeout: 300_000 },
    async () => {
      const one = buildInto('one');
      const two = buildInto('two');
      expect(one).toBe(two);
      expect(digestOfTree(join(builds, 'one', 'dist'))).toBe(one);
      const cli = join(builds, 'one', 'dist', 'cli', 'main.js');
      expect(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' })).toContain(`(build ${one})`);

      const port = await freePort();
      const data = mkdtempSync(join(tmpdir(), 'oauth3-build-'));
      const gateway = spawn(process.execPath, [cli, 'serve'], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: data,
          OAUTH3_PORT: String(port),
          OAUTH3_DATA_DIR: data,
          OAUTH3_LOG_LEVEL: 'warn',
          ...(process.env[LOG_COPY] ? { [LOG_COPY]: process.env[LOG_COPY] } : {}), // the run's log scan reads its lines too
        },
        stdio: 'ignore',
      });
      try {
        await waitHealthy(`http://127.0.0.1:${port}`);
        const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { build: string };
        expect(health.build).toBe(one);
      } finally {
        gateway.kill('SIGTERM');
        await new Promise((ok) => gateway.once('exit', ok));
        rmSync(data, { recursive: true, force: true });
      }
    },
  );

  it('changes with any changed byte, renamed file or added file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth3-digest-'));
    try {
      mkdirSync(join(dir, 'a'));
      writeFileSync(join(dir, 'a', 'x.js'), 'export const x = 1;\n');
      writeFileSync(join(dir, 'y.js'), 'export const y = 2;\n');
      const first = digestOfTree(dir);
      expect(digestOfTree(dir)).toBe(first);
      writeFileSync(join(dir, 'a', 'x.js'), 'export const x = 2;\n');
      const changed = digestOfTree(dir);
      expect(changed).not.toBe(first);
      renameSync(join(dir, 'y.js'), join(dir, 'z.js'));
      const renamed = digestOfTree(dir);
      expect(renamed).not.toBe(changed);
      writeFileSync(join(dir, 'a', 'extra.js'), '');
      expect(digestOfTree(dir)).not.toBe(renamed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
