// Run as a script (`node --import tsx test/support/loaded-packages.ts`): starts the gateway on SQLite in a temporary
// data directory, answers one request of each kind named on the command line (`health`, `attestation`, `docs`), stops,
// and prints the npm packages whose CommonJS files the process loaded, as a JSON list. A test's view of what a
// running gateway holds in memory (test/server/lazy-packages.test.ts).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadGateway, startServer } from '../../src/server/index.js';
import { freePort } from './free-port.js';

const paths: Record<string, string> = { health: '/health', attestation: '/.well-known/oauth3-attestation', docs: '/docs/json' };
const dataDir = mkdtempSync(join(tmpdir(), 'oauth3-loaded-'));
const port = await freePort();
const { config, modules } = await loadGateway(
  {},
  {
    host: '127.0.0.1',
    port,
    publicUrl: `http://127.0.0.1:${port}`,
    masterKey: randomBytes(32).toString('base64url'),
    dataDir,
    logLevel: 'silent',
  },
);
const server = await startServer(config, { logger: createLogger('silent'), modules });
for (const kind of process.argv.slice(2)) {
  const answer = await fetch(`http://127.0.0.1:${port}${paths[kind]}`);
  await answer.arrayBuffer();
  if (answer.status !== 200) throw new Error(`GET ${paths[kind]} answered ${answer.status}`);
}
await server.stop();
rmSync(dataDir, { recursive: true, force: true });
const packages = new Set<string>();
for (const file of Object.keys(createRequire(import.meta.url).cache)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file.slice(file.lastIndexOf('node_modules/')));
  if (m) packages.add(m[1]!);
}
process.stdout.write(JSON.stringify([...packages].sort()));
