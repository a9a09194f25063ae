// Benchmark of growth (issue 19): does a gateway slow down as its store fills? Two real `oauth3 serve` processes
// side by side, each on its own SQLite file: a small store (10,000 tokens, 1,000 vault credentials) and a large one
// (`--large`, default 1,000,000 tokens, and a tenth as many vault credentials: 100,000). A token stored is what a
// long-running gateway keeps of one (bench/growth-seed.ts: an access-token row, a refresh-token row, an audit
// event; a family per ten, a revocation per hundred, so 1,000,000 tokens are some 3.1 million rows).
// Run: node --import tsx bench/growth.bench.ts [--large=1000000] [--rounds=3] [--seconds=5] [--connections=16] [--only=issuance|refresh|verify] [--postgres] [--quick]
// (--quick: --large=100000, rounds of 2 s)
// Measured on both, interleaved rounds (which gateway goes first alternates), a 2 s warm-up each, medians:
//   - issuance: POST /token, client_credentials;
//   - refresh: POST /token, refresh_token (rotating; each request takes a live token from its gateway's pool and
//     returns the rotated one, so none is presented twice);
//   - verify: POST /introspect of access tokens the gateway issued in the issuance rounds (by the client they were
//     issued to).
// Target: the large store's req/s at least 0.8x the small one's on each (within 20%); CPU per request is reported
// beside it. Seeding time is printed. `--postgres`: the same two stores as two databases of one embedded
// PostgreSQL started here (bulk rows through unnest arrays), reported, not judged.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { httpLoad, type LoadResult } from './http-load.js';
import { seedTokens, seedTokensPostgres } from './growth-seed.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../test/support/embedded-postgres.js';
import pg from 'pg';
import { processCpuSeconds } from './proc-stats.js';
import { report } from './report.js';
import { numberArg } from './bench-args.js';
import { seedClient, withGatewayContext } from './seed-client.js';
import { planGateway, serveGateway, type GatewayPlan, type ServedGateway } from './serve-process.js';

const SMALL = 10_000;
const LARGE = numberArg('large', 1_000_000, 100_000);
const ROUNDS = numberArg('rounds', 3);
const SECONDS = numberArg('seconds', 5, 2);
const CONNECTIONS = numberArg('connections', 16);
const BENCH = 'growth';
/** `--postgres`: both gateways on one embedded PostgreSQL (a database each) instead of SQLite; reported, not judged. */
const POSTGRES = process.argv.includes('--postgres');
const DIALECT = POSTGRES ? 'PostgreSQL' : 'SQLite';
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1];
/** Live refresh tokens each gateway starts with: every connection needs one per request in flight, with room. */
const CHAINS = CONNECTIONS * 8;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

interface Store {
  name: string;
  tokens: number;
  credentials: number;
  gateway: ServedGateway;
  auth: string;
  refresh: string[];
  issued: string[];
}

/** Creates the client, refresh chains and vault credentials through the gateway's own code, then the bulk rows. */
async function seed(plan: GatewayPlan, tokens: number, credentials: number) {
  const t0 = performance.now();
  const { vaultOf } = await import('../src/vault/index.js');
  const { seedCredentials } = await import('../test/vault/keys-seed.js');
  const client = await withGatewayContext(plan.env, async (ctx) => {
    const c = await seedClient(ctx, plan.url, CHAINS);
    await seedCredentials(ctx.db, vaultOf(ctx).ring, credentials);
    return c;
  });
  const o = { tokens, clientId: client.clientId, resource: plan.url };
  const url = plan.env.DATABASE_URL;
  const bulk = url ? await seedTokensPostgres(url, o) : seedTokens(join(plan.dataDir, 'oauth3.db'), o);
  return { auth: client.auth, refresh: client.refresh, seconds: (performance.now() - t0) / 1000, bulk };
}

let postgres: RunningPostgres | undefined;

/** A new database on the run's embedded PostgreSQL (started at the first call). */
async function postgresDatabase(name: string): Promise<string> {
  postgres ??= await startEmbeddedPostgres();
  const admin = new pg.Client({ connectionString: postgres.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return postgres.adminUrl.replace(/\/postgres$/, `/${name}`);
}

async function startStore(name: string, tokens: number, credentials: number): Promise<Store> {
  const plan = await planGateway(POSTGRES ? { DATABASE_URL: await postgresDatabase(name.split(' ')[0]!) } : {});
  const s = await seed(plan, tokens, credentials);
  const rows = Object.values(s.bulk.rows).reduce((a, b) => a + b, 0) + credentials * 2;
  console.log(
    `${name}: seeded ${tokens.toLocaleString()} tokens and ${credentials.toLocaleString()} vault credentials (${rows.toLocaleString()} rows) in ${s.seconds.toFixed(1)} s (the bulk rows ${s.bulk.seconds.toFixed(1)} s)`,
  );
  const t0 = performance.now();
  const gateway = await serveGateway(plan);
  console.log(`${name}: serving after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { name, tokens, credentials, gateway, auth: s.auth, refresh: s.refresh, issued: [] };
}

interface Op {
  name: string;
  path: string;
  body(s: Store): string;
  /** Checks and keeps what an answer carries (a rotated refresh token, an issued access token); false when wrong. */
  took(s: Store, body: string): boolean;
}

const ops: Op[] = [
  {
    name: 'issuance (client_credentials)',
    path: '/token',
    body: () => 'grant_type=client_credentials&scope=mcp',
    took: (s, body) => {
      const t = JSON.parse(body).access_token as string | undefined;
      if (!t) return false;
      if (s.issued.length < 20_000) s.issued.push(t);
      else s.issued[Math.floor(Math.random() * s.issued.length)] = t;
      return true;
    },
  },
  {
    name: 'refresh (refresh_token)',
    path: '/token',
    body: (s) => `grant_type=refresh_token&refresh_token=${encodeURIComponent(s.refresh.shift()!)}`,
    took: (s, body) => {
      const t = JSON.parse(body).refresh_token as string | undefined;
      if (t) s.refresh.push(t);
      return t !== undefined;
    },
  },
  {
    name: 'verify (introspection)',
    path: '/introspect',
    body: (s) => `token=${s.issued[Math.floor(Math.random() * s.issued.length)]}`,
    took: (_, body) => JSON.parse(body).active === true,
  },
];

/** One bounded load of `op` on a store: req/s, p99, the gateway's CPU per request, answers that were wrong. */
async function run(op: Op, s: Store, seconds: number): Promise<LoadResult & { cpuUs: number; wrong: number; firstError?: string }> {
  let wrong = 0;
  let firstError: string | undefined;
  const cpu0 = processCpuSeconds(s.gateway.pid);
  const r = await httpLoad({
    url: `${s.gateway.url}${op.path}`,
    connections: CONNECTIONS,
    seconds,
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: s.auth },
    body: () => op.body(s),
    onResponse: (status, body) => {
      if (status === 200 && op.took(s, body)) return;
      wrong++;
      firstError ??= `${status} ${body.slice(0, 200)}`;
    },
  });
  return { ...r, cpuUs: ((processCpuSeconds(s.gateway.pid) - cpu0) * 1e6) / Math.max(1, r.requests), wrong, firstError };
}

const stores: Store[] = [];
let failures = 0;
try {
  stores.push(await startStore('small store', SMALL, 1_000));
  stores.push(await startStore('large store', LARGE, Math.floor(LARGE / 10)));
  console.log(
    `growth: ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS} s per store (medians), each gateway one process on ${DIALECT}`,
  );
  for (const op of ops) {
    if (ONLY && !op.name.startsWith(ONLY)) continue;
    if (op === ops[2]) for (const s of stores) if (!s.issued.length) await run(ops[0]!, s, 1); // tokens to introspect
    for (const s of stores) await run(op, s, 2); // warm-up, not counted
    const runs = stores.map(() => [] as Awaited<ReturnType<typeof run>>[]);
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? [1, 0] : [0, 1];
      for (const i of order) runs[i]!.push(await run(op, stores[i]!, SECONDS));
    }
    const [small, large] = runs.map((rs) => ({
      rps: median(rs.map((x) => x.rps)),
      p99: median(rs.map((x) => x.p99)),
      cpuUs: median(rs.map((x) => x.cpuUs)),
      bad: rs.reduce((n, x) => n + x.wrong + x.errors, 0),
      firstError: rs.find((x) => x.firstError)?.firstError,
      each: rs.map((x) => Math.round(x.rps)).join(', '),
    }));
    for (const [i, x] of [small!, large!].entries())
      console.log(
        `  ${op.name}, ${stores[i]!.name} (${stores[i]!.tokens.toLocaleString()} tokens): ${Math.round(x.rps)} req/s, p99 ${x.p99} ms, ${x.cpuUs.toFixed(0)} µs CPU/req, wrong ${x.bad}${x.firstError ? ` (first: ${x.firstError})` : ''} (rounds: ${x.each})`,
      );
    const ratio = large!.rps / small!.rps;
    const ok = ratio >= 0.8 && small!.bad === 0 && large!.bad === 0;
    if (!ok && !POSTGRES) failures++;
    const on = POSTGRES ? ' (PostgreSQL)' : '';
    report({
      bench: BENCH,
      name: `${op.name}: ${LARGE.toLocaleString()} vs ${SMALL.toLocaleString()} tokens stored${on}`,
      value: ratio,
      unit: 'x',
      better: 'higher',
      ...(POSTGRES ? {} : { target: '>= 0.8x, no failed answer', pass: ok }),
      detail: `${Math.round(large!.rps)} vs ${Math.round(small!.rps)} req/s, CPU per request ${(large!.cpuUs / small!.cpuUs).toFixed(2)}x (${large!.cpuUs.toFixed(0)} vs ${small!.cpuUs.toFixed(0)} µs), p99 ${large!.p99} vs ${small!.p99} ms`,
    });
    // On a shared machine req/s swings with other work; CPU per request much less: reported beside it.
    report({
      bench: BENCH,
      name: `${op.name}: CPU per request, ${LARGE.toLocaleString()} vs ${SMALL.toLocaleString()} tokens stored${on}`,
      value: large!.cpuUs / small!.cpuUs,
      unit: 'x',
      better: 'lower',
      detail: `${large!.cpuUs.toFixed(0)} vs ${small!.cpuUs.toFixed(0)} µs`,
    });
  }
  console.log(
    `load average during the run: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  for (const s of stores) await s.gateway.stop();
  await postgres?.stop();
}
console.log(failures ? `${failures} target(s) missed` : 'all targets met');
process.exit(failures ? 1 : 0);
