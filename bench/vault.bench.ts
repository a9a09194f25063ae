// Benchmark of the credential vault (issue 15).
// Run: node --import tsx bench/vault.bench.ts [--rows=20000] [--rounds=3] [--seconds=5] [--connections=16] [--only=reencrypt|token] [--profile=DIR] [--quick]
// (`--quick`: 5,000 rows, one round of 2 s). Every result goes through report() (bench/report.ts).
// Side by side in one run:
//   1. `reencrypt` rows per second on SQLite and on PostgreSQL (embedded, started here), the same rows, each round a
//      `vault rotate` then a full re-encryption; target: at least 10,000 rows/s on SQLite (PostgreSQL is reported).
//   2. `POST /auth/token` for a fresh credential (read, decrypted, audited, served) against the same route of an
//      identical gateway whose vault answers a constant (no read, no decrypt) but still records the audit event every
//      token served must be (the judged constant), and a third whose constant records nothing (reported: what the
//      audit event costs); each gateway in its own process on its own SQLite database, interleaved rounds; target: at
//      least 0.8x the judged constant's req/s (decrypting is not the cost).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, migrateModules, type Db } from '../src/store/index.js';
import { builtinModules } from '../src/server/index.js';
import { DataKeyRing, symmetricKey } from '../src/crypto/index.js';
import { reencrypt } from '../src/vault/index.js';
import { seedCredentials } from '../test/vault/keys-seed.js';
import { startEmbeddedPostgres } from '../test/support/embedded-postgres.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GatewayModule } from '../src/kernel/index.js';
import { startBenchGateway } from './bench-gateway.js';
import { httpLoad, type LoadResult } from './http-load.js';
import { numberArg as arg } from './bench-args.js';
import { report } from './report.js';

const BENCH = 'vault';
const ROWS = arg('rows', 20_000, 5_000);
const ROUNDS = arg('rounds', 3, 1);
const SECONDS = arg('seconds', 5, 2);
const CONNECTIONS = arg('connections', 16);
const PEOPLE = 1000;
const PROFILE = process.argv.find((a) => a.startsWith('--profile='))?.split('=')[1]; // CPU profiles of the two gateways
const PROVIDER = { preset: 'github', client_id: 'bench-client', client_secret: 'bench-secret' };
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** One embedded PostgreSQL for the run (as the tests start theirs); returns a URL of a new database and the stop. */
async function startPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = await startEmbeddedPostgres();
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  return { url: server.adminUrl.replace(/\/postgres$/, '/bench'), stop: server.stop };
}

interface Store {
  name: string;
  db: Db;
  ring: DataKeyRing;
  close(): Promise<void>;
}

async function makeStore(name: string, o: { dataDir: string; databaseUrl?: string }): Promise<Store> {
  const { db } = openDatabase(o);
  await migrateModules(
    db,
    builtinModules.filter((m) => m.migrations),
  );
  const ring = new DataKeyRing(db, symmetricKey(randomBytes(32)));
  await ring.init();
  await seedCredentials(db, ring, ROWS);
  return { name, db, ring, close: () => db.destroy() };
}

/** Part 1: reencrypt rows per second on both databases; returns the targets missed. */
async function reencryptRate(): Promise<number> {
  let failures = 0;
  console.log(`seeding ${ROWS.toLocaleString()} credentials on SQLite and on PostgreSQL…`);
  const dirs = [mkdtempSync(join(tmpdir(), 'oauth3-bench-')), mkdtempSync(join(tmpdir(), 'oauth3-bench-'))];
  const postgres = await startPostgres();
  const stores = [
    await makeStore('SQLite', { dataDir: dirs[0] }),
    await makeStore('PostgreSQL', { dataDir: dirs[1], databaseUrl: postgres.url }),
  ];

  // Interleaved rounds: each store rotates, then re-encrypts every row, in turn.
  const rates = new Map<string, number[]>(stores.map((s) => [s.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of stores) {
      await s.ring.rotate();
      const t0 = process.hrtime.bigint();
      const { resealed: n } = await reencrypt(s.db, s.ring);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (n !== ROWS) throw new Error(`${s.name}: re-sealed ${n} of ${ROWS} rows`);
      rates.get(s.name)!.push(n / seconds);
    }
  }

  for (const s of stores) {
    const each = rates.get(s.name)!;
    const rate = median(each);
    const judged = s.name === 'SQLite';
    if (judged && rate < 10_000) failures++;
    console.log(
      `reencrypt on ${s.name.padEnd(10)} ${Math.round(rate).toLocaleString().padStart(8)} rows/s (median of ${each.length}: ${each
        .map((v) => Math.round(v).toLocaleString())
        .join(', ')})` + (judged ? `  target >= 10,000 rows/s: ${verdict(rate >= 10_000)}` : '  (reported)'),
    );
    report({
      bench: BENCH,
      name: `reencrypt on ${s.name}`,
      value: Math.round(rate),
      unit: 'rows/s',
      better: 'higher',
      ...(judged ? { target: '>= 10,000 rows/s', pass: rate >= 10_000 } : {}),
      detail: `${ROWS.toLocaleString()} rows, median of ${each.length}`,
    });
  }
  console.log(
    `load average after the reencrypt rounds: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  for (const s of stores) await s.close();
  await postgres.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  return failures;
}

/** A gateway of part 2 (a child process): seeds PEOPLE connections and an API key, listens, reports over IPC. */
type Mode = 'fresh' | 'constant' | 'bare';

async function runGateway(mode: Mode, dataDir: string): Promise<void> {
  const { createUser } = await import('../src/accounts/index.js');
  const { vaultOf, createApiKey } = await import('../src/vault/index.js');
  // The constant: the vault answers without reading, decrypting or auditing (the route, its hooks, the API-key
  // check, the person and allowance lookups, the answer's shape all stay the same).
  const constant: GatewayModule = {
    name: 'bench_constant',
    start(ctx) {
      const served = {
        provider: 'github',
        account: 'bench',
        accessToken: 'gho_constant',
        tokenType: 'bearer',
        expiresAt: Date.now() + 86_400_000,
        scope: 'read:user',
      };
      const vault = vaultOf(ctx);
      // the same event as a served credential (Vault.noteUse), unless bare
      (vault as { credentialFor: unknown }).credentialFor = async (
        userId: string,
        provider: string,
        user: { server: string; name?: string },
      ) => {
        if (mode === 'constant')
          await ctx.audit.write({
            action: 'vault.token_served',
            actor: { type: 'client', id: user.server },
            userId,
            target: { type: 'connection', id: 'vc_constant' },
            ip: null,
            detail: { provider, account: served.account, by: user.name ?? user.server },
          });
        return served;
      };
    },
  };
  const server = await startBenchGateway(dataDir, { providers: [PROVIDER] }, mode === 'fresh' ? [] : [constant]);
  const vault = vaultOf(server.ctx);
  const { key, summary } = await createApiKey(server.ctx, { name: 'bench' });
  const people: string[] = [];
  for (let i = 0; i < PEOPLE; i++) {
    const { id } = await createUser(server.ctx.db);
    await vault.store({
      userId: id,
      provider: 'github',
      account: `bench-${i}`,
      scopes: 'read:user',
      secret: { kind: 'oauth', access_token: `gho_${randomBytes(24).toString('base64url')}`, token_type: 'bearer' },
      expiresAt: Date.now() + 86_400_000,
    });
    await vault.allow(id, 'github', `apikey:${summary.id}`);
    people.push(id);
  }
  await server.ctx.audit.flush();
  process.send!({ url: server.url, key, people });
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}

/** Part 2: /auth/token, fresh credential against a constant answer; returns the targets missed. */
async function tokenRoute(): Promise<number> {
  const modes = ['fresh', 'constant', 'bare'] as const;
  const dirs = modes.map(() => mkdtempSync(join(tmpdir(), 'oauth3-bench-')));
  const children = modes.map((mode, i) =>
    spawn(
      process.execPath,
      [
        ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : []),
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        `--gateway=${mode}`,
        `--data=${dirs[i]}`,
      ],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    ),
  );
  const stopChildren = async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((ok) => (c.exitCode === null ? c.once('exit', ok) : ok(undefined)))));
  };
  const gateways = await Promise.all(
    children.map(
      (c) =>
        new Promise<{ url: string; key: string; people: string[] }>((ok, fail) => {
          c.once('message', (m) => ok(m as never));
          c.once('exit', (code) => fail(new Error(`a gateway exited with ${code}`)));
        }),
    ),
  ).catch(async (e: unknown) => {
    await stopChildren();
    throw e;
  });
  const load = (g: (typeof gateways)[number], seconds: number) => {
    let wrong = 0;
    return httpLoad({
      url: `${g.url}/auth/token`,
      connections: CONNECTIONS,
      seconds,
      headers: { authorization: `Bearer ${g.key}`, 'content-type': 'application/json' },
      body: () => JSON.stringify({ user_id: g.people[Math.floor(Math.random() * g.people.length)], provider: 'github' }),
      onResponse: (status, body) => {
        if (status === 200 && !JSON.parse(body).access_token) wrong++;
      },
    }).then((r) => ({ ...r, errors: r.errors + wrong }));
  };
  for (const g of gateways) await load(g, 2); // warm-up, not counted
  const runs = modes.map(() => [] as LoadResult[]);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [2, 1, 0] : [0, 1, 2]; // alternate which goes first
    for (const i of order) runs[i]!.push(await load(gateways[i]!, SECONDS));
  }
  await stopChildren();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });

  const [fresh, constant, bare] = runs.map((rs) => ({
    rps: median(rs.map((x) => x.rps)),
    p99: median(rs.map((x) => x.p99)),
    bad: rs.reduce((n, x) => n + x.non2xx + x.errors, 0),
    each: rs.map((x) => Math.round(x.rps).toLocaleString()).join(', '),
  }));
  const ratio = fresh!.rps / constant!.rps;
  const ok = ratio >= 0.8 && fresh!.bad === 0 && constant!.bad === 0 && bare!.bad === 0;
  for (const [name, x] of [
    ['fresh credential', fresh!],
    ['constant, audited', constant!],
    ['constant, bare', bare!],
  ] as const)
    console.log(
      `/auth/token, ${name.padEnd(17)} ${Math.round(x.rps).toLocaleString().padStart(7)} req/s, p99 ${x.p99} ms, non-2xx or wrong ${x.bad} (rounds: ${x.each})`,
    );
  console.log(`  fresh credential: ${ratio.toFixed(2)}x the audited constant's req/s; target >= 0.8x, no failed answer: ${verdict(ok)}`);
  console.log(
    `  (reported) fresh credential: ${(fresh!.rps / bare!.rps).toFixed(2)}x the bare constant's; the audit event alone: ${(constant!.rps / bare!.rps).toFixed(2)}x`,
  );
  const rps = (x: { rps: number; p99: number }) => `${Math.round(x.rps).toLocaleString()} req/s, p99 ${x.p99} ms`;
  report({
    bench: BENCH,
    name: '/auth/token, fresh credential vs an audited constant',
    value: ratio,
    unit: 'x',
    better: 'higher',
    target: '>= 0.8x, no failed answer',
    pass: ok,
    detail: `${rps(fresh!)} against ${rps(constant!)}; non-2xx or wrong ${fresh!.bad + constant!.bad + bare!.bad}`,
  });
  report({
    bench: BENCH,
    name: '/auth/token, fresh credential vs a bare constant',
    value: fresh!.rps / bare!.rps,
    unit: 'x',
    better: 'higher',
    detail: `against ${rps(bare!)}`,
  });
  report({
    bench: BENCH,
    name: '/auth/token, audited constant vs a bare constant (the audit event alone)',
    value: constant!.rps / bare!.rps,
    unit: 'x',
    better: 'higher',
  });
  return ok ? 0 : 1;
}

const gatewayMode = process.argv.find((a) => a.startsWith('--gateway='))?.split('=')[1];
if (gatewayMode) {
  await runGateway(gatewayMode as Mode, process.argv.find((a) => a.startsWith('--data='))!.split('=')[1]!);
} else {
  const only = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1]; // reencrypt | token
  const failures = (only === 'token' ? 0 : await reencryptRate()) + (only === 'reencrypt' ? 0 : await tokenRoute());
  console.log(
    `load average during the run: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(failures ? `${failures} target(s) missed` : 'all targets met');
  process.exit(failures ? 1 : 0);
}
