// Token endpoint benchmark (issues 4 and 19). Run: node --import tsx bench/token-endpoint.bench.ts [--seconds=5] [--rounds=3] [--profile=DIR] [--quick]
// oauth3 and node-oidc-provider each run in their own process on 127.0.0.1 (same machine, same run); a load
// generator in this process (bench/http-load.ts, or autocannon with BENCH_LOADGEN=autocannon) drives
// `client_credentials` and `refresh_token` (rotating: every connection follows its own chains) at POST /token, and
// introspection (POST /introspect, RFC 7662: each server's own fresh access tokens, issued beforehand by
// client_credentials, a pool cycled; the same client authentication) with 20 connections for bounded durations:
// a warm-up, then interleaved rounds (oauth3, each peer, again), medians shown. `--quick`: one round of 2 s after a
// 1 s warm-up. Every ratio goes through report() (bench/report.ts), so `npm run bench` gathers them in its table.
// oidc-provider refuses to introspect JWT access tokens (they are "structured"), so the tokens it introspects are
// its opaque ones (a row in its store, looked up per call); oauth3's are its JWTs (signature, expiry, revocation).
// All issue ES256 JWT access tokens; all rotate refresh tokens. oauth3 runs its default configuration (SQLite,
// log level info; its stdout goes to /dev/null) twice: with OAUTH3_WORKERS=auto (one worker process per CPU: the
// row judged against the targets) and as one process. node-oidc-provider runs twice: on an in-memory store (its
// development setup: nothing survives a restart; it cannot be shared by processes) and on a durable SQLite store
// with oauth3's durability (every token write committed before the answer). "CPU/req" counts every thread of
// every process of a server: oidc-provider signs on libuv's thread pool (jose, async), so even as one process
// it uses more than one core; the load generator's CPU per request is shown next to it (it runs on the same
// cores). BENCH_THREADS=1 also prints per-thread CPU; BENCH_ONLY_OURS=memory|sqlite|none keeps one peer or none;
// BENCH_WORKERS=a,b sets oauth3's configurations (the first is judged; `1x2`: two independent one-process
// gateways, each on its own database, sharing the connections: what sharing the cores costs without sharing a
// database file; `auto:K=V;K=V`: with these settings, e.g. `auto,auto:OAUTH3_OAUTH_REFRESH_GRACE=0` measures the
// grace window's cost in one run; the setting NODE_ARGS adds node flags, after `npm start`'s, which every gateway runs
// with, e.g. `1,1:NODE_ARGS=--v8-pool-size=2`). Targets: oauth3 (the judged configuration) at least 2x the requests/s of
// oidc-provider for each workload, p99 under 20 ms; oauth3 as one process at least 1.5x for client_credentials.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';
import { npmStart } from '../test/support/npm-start.js';
import { waitHealthy } from '../test/support/wait-healthy.js';
import { httpLoad, type LoadOptions, type LoadResult } from './http-load.js';
import { sqliteAdapter } from './oidc-provider-sqlite-adapter.js';
import { numberArg, QUICK, stringArg } from './bench-args.js';
import { report } from './report.js';
import { seedClient, withGatewayContext } from './seed-client.js';
import { parseSettings, planGateway } from './serve-process.js';

const BENCH = 'token-endpoint';
const SECONDS = numberArg('seconds', 5, 2);
/** Measured rounds per server and workload, interleaved (oauth3, then each peer, then again), after a warm-up each. */
const ROUNDS = numberArg('rounds', 3, 1);
const WARM_UP_SECONDS = QUICK ? 1 : 2;
/** `--profile=DIR`: oauth3 runs with `node --cpu-prof` and writes its profile to DIR when the bench stops it. */
const PROFILE_DIR = stringArg('profile');
const CONNECTIONS = 20;
/** Fresh access tokens each server issues before the introspection rounds, cycled by the requests. */
const INTROSPECTED_TOKENS = 500;
/** The load generator: the lean one (bench/http-load.ts) unless BENCH_LOADGEN=autocannon. */
const LOADGEN =
  process.env.BENCH_LOADGEN === 'autocannon' ? { name: 'autocannon', run: autocannonLoad } : { name: 'http-load', run: httpLoad };

/** oauth3's OAUTH3_WORKERS values, the first judged: `auto` (one process per CPU) and 1; BENCH_WORKERS=a,b sets them. */
const OUR_WORKERS = (process.env.BENCH_WORKERS ?? 'auto,1').split(',');
/** Refresh chains per server: a run ends with up to one in-flight token per connection lost, so each run gets fresh spares. */
const CHAINS = CONNECTIONS * (4 + ROUNDS + 1);
/** The two peers: node-oidc-provider on its in-memory store, and on a durable SQLite store like oauth3's. */
const PEERS = [
  { name: 'oidc-provider, in-memory', storage: 'memory' },
  { name: 'oidc-provider, SQLite', storage: 'sqlite' },
] as const;

const SECRET = process.env.BENCH_PEER_SECRET ?? randomBytes(32).toString('base64url');
const root = fileURLToPath(new URL('../', import.meta.url));

const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });

/** An unbounded in-memory adapter for the peer (its bundled dev adapter is an LRU of 1000 entries, which evicts grants under load). */
class MapAdapter {
  static store = new Map<string, Record<string, unknown>>();
  constructor(private readonly model: string) {}
  private key(id: string) {
    return `${this.model}:${id}`;
  }
  async upsert(id: string, payload: Record<string, unknown>) {
    MapAdapter.store.set(this.key(id), payload);
    if (payload.grantId) {
      const k = `grant:${payload.grantId}`;
      const grant = MapAdapter.store.get(k) as { ids: string[] } | undefined;
      if (grant)
        grant.ids.push(this.key(id)); // in place: copying the list would slow the peer down as it grows
      else MapAdapter.store.set(k, { ids: [this.key(id)] });
    }
  }
  async find(id: string) {
    return MapAdapter.store.get(this.key(id));
  }
  async findByUid(uid: string) {
    for (const v of MapAdapter.store.values()) if (v.uid === uid) return v;
    return undefined;
  }
  async findByUserCode(code: string) {
    for (const v of MapAdapter.store.values()) if (v.userCode === code) return v;
    return undefined;
  }
  async consume(id: string) {
    const v = MapAdapter.store.get(this.key(id));
    if (v) v.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) {
    MapAdapter.store.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string) {
    for (const k of (MapAdapter.store.get(`grant:${grantId}`)?.ids as string[]) ?? []) MapAdapter.store.delete(k);
    MapAdapter.store.delete(`grant:${grantId}`);
  }
}

/** The peer: node-oidc-provider with the same work per request (ES256 JWT access tokens, rotating refresh tokens). */
async function runPeer(port: number, storage: string): Promise<void> {
  // @ts-expect-error oidc-provider ships no type declarations
  const { default: Provider } = await import('oidc-provider');
  const issuer = `http://127.0.0.1:${port}`;
  const resource = `${issuer}/api`;
  /** Tokens for this resource are opaque: the ones introspected (oidc-provider introspects no JWT access token). */
  const opaqueResource = `${issuer}/opaque`;
  const jwk = {
    ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
    kid: 'k1',
    alg: 'ES256',
    use: 'sig',
  };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'bench',
        client_secret: SECRET,
        grant_types: ['client_credentials', 'refresh_token', 'authorization_code'],
        redirect_uris: ['https://rp.example/cb'],
        response_types: ['code'],
        scope: 'offline_access mcp',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    adapter: storage === 'memory' ? MapAdapter : sqliteAdapter(join(process.env.OAUTH3_DATA_DIR!, 'oidc-provider.db')),
    jwks: { keys: [jwk] },
    scopes: ['openid', 'offline_access', 'mcp'],
    rotateRefreshToken: true,
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) =>
          indicator === opaqueResource
            ? { scope: 'mcp', audience: opaqueResource, accessTokenFormat: 'opaque', accessTokenTTL: 3600 }
            : { scope: 'mcp', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'ES256' } } },
      },
      // As oauth3's: a confidential client authenticates, and learns only about its own tokens.
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => token.clientId === client.clientId,
      },
    },
    routes: { introspection: '/introspect' },
  } as never);
  const client = await provider.Client.find('bench');
  const refresh: string[] = [];
  for (let i = 0; i < CHAINS; i++) {
    const grant = new provider.Grant({ accountId: `u${i}`, clientId: 'bench' });
    grant.addOIDCScope('offline_access');
    grant.addResourceScope(resource, 'mcp');
    const grantId = await grant.save();
    refresh.push(
      await new provider.RefreshToken({
        client,
        accountId: `u${i}`,
        grantId,
        scope: 'offline_access',
        resource,
        gty: 'authorization_code',
      } as never).save(),
    );
  }
  (provider as unknown as { on(e: string, f: () => void): void }).on('server_error', () => undefined);
  provider.listen(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ ready: true, refresh })}\n`));
}

if (process.argv.includes('--peer')) {
  await runPeer(Number(process.argv[process.argv.indexOf('--peer') + 1]), process.argv[process.argv.indexOf('--peer') + 2]);
} else {
  await main();
}

function waitForLine(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((ok, fail) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) ok(JSON.parse(line));
    });
    child.on('exit', (code) => fail(new Error(`process exited with ${code}`)));
  });
}

/** Seeds oauth3: one confidential client, and CHAINS refresh-token families (through the real tables). */
function seedOauth3(env: Record<string, string>, issuer: string) {
  return withGatewayContext(env, (ctx) => seedClient(ctx, issuer, CHAINS));
}

/**
 * A /proc stat file (Linux): the name in parentheses, and the fields after it (0: state, 1: ppid, 11: utime,
 * 12: stime, in clock ticks of CLK_TCK 100). Undefined when the process or thread is gone meanwhile.
 */
function procStat(path: string): { name: string; ppid: number; ticks: number } | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const f = raw.slice(raw.lastIndexOf(') ') + 2).split(' ');
  return { name: raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')')), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
}

/** Clock ticks (user + system) per thread of a process and its descendants, keyed by `tid/name`. */
function threadTicks(root: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of processTree(root))
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const st = procStat(`/proc/${pid}/task/${t}/stat`);
      if (st) out.set(`${t}/${st.name}`, st.ticks);
    }
  return out;
}

interface Run {
  rps: number;
  p99: number;
  non2xx: number;
  errors: number;
  cpuUsPerReq: number;
  loadUsPerReq: number;
}

/** A process and its descendants (the workers of a cluster). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const ppid = /^\d+$/.test(entry) ? procStat(`/proc/${entry}/stat`)?.ppid : undefined;
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}

/** CPU seconds (user + system) a process (and, with `tree`, its descendants) has used so far. */
function cpuSeconds(pid: number, tree = true): number {
  return (tree ? processTree(pid) : [pid]).reduce((sum, p) => sum + (procStat(`/proc/${p}/stat`)?.ticks ?? 0), 0) / 100;
}

/** What bench uses of an autocannon result (autocannon ships no types). */
interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
}

/** The same run with autocannon (BENCH_LOADGEN=autocannon): what earlier runs used. */
async function autocannonLoad(o: LoadOptions): Promise<LoadResult> {
  const result = (await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.seconds,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        headers: o.headers,
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: o.body() }),
        onResponse: (status: number, resBody: string) => o.onResponse?.(status, resBody),
      },
    ],
  } as never)) as AutocannonResult;
  return {
    rps: result.requests.average,
    requests: result.requests.total,
    p99: result.latency.p99,
    p99Exact: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** One process of a server under test (a server may be several independent ones): where it listens, how to call it. */
interface Target {
  pid: number;
  url: string;
  auth: string;
  /** Its live refresh tokens (each request of the refresh workload takes one; the rotated one goes back). */
  refresh: string[];
  /** Its fresh access tokens for introspection (cycled), and the index of the next. */
  access: string[];
  nextAccess: number;
  /** The body of the client_credentials request whose token it introspects (oidc-provider: for its opaque resource). */
  introspectedGrant: string;
}

/** What the load generator sends to a server's targets, and what a right answer is. */
interface Workload {
  name: string;
  path: string;
  /** The next request's body for a target. */
  body: (t: Target) => string;
  /** Checks a 200's body (false: a wrong answer, counted as an error); may take what it carries (a rotated token). */
  onOk?: (t: Target, body: string) => boolean;
}

/**
 * One bounded run of a workload against a server: its targets share the connections and run at once. For refresh,
 * each target's `refresh` is its pool of live refresh tokens: each request takes one, and the rotated token its
 * response carries goes back, so no token is ever presented twice; the pool is left with the live tokens for the
 * next run.
 */
async function load(targets: Target[], workload: Workload, seconds = SECONDS): Promise<Run> {
  const pids = targets.map((t) => t.pid);
  const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const cpu0 = cpu();
  const own0 = cpuSeconds(process.pid, false); // the load generator: this process alone, not the servers it started
  const threads0 = process.env.BENCH_THREADS ? new Map(pids.flatMap((pid) => [...threadTicks(pid)])) : undefined;
  const results = await Promise.all(
    targets.map(async (target) => {
      let firstError: string | undefined;
      let wrong = 0;
      const result = await LOADGEN.run({
        url: `${target.url}${workload.path}`,
        connections: CONNECTIONS / targets.length,
        seconds,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: target.auth },
        body: () => workload.body(target),
        onResponse: (status, resBody) => {
          if (status !== 200) firstError ??= `${status} ${resBody.slice(0, 200)}`;
          else if (workload.onOk && !workload.onOk(target, resBody)) {
            wrong++;
            firstError ??= `a wrong answer: ${resBody.slice(0, 200)}`;
          }
        },
      });
      if (firstError) console.log(`  first error from ${target.url}: ${firstError}`);
      return { ...result, errors: result.errors + wrong };
    }),
  );
  const total = Math.max(
    1,
    results.reduce((n, r) => n + r.requests, 0),
  );
  if (threads0) {
    const after = new Map(pids.flatMap((pid) => [...threadTicks(pid)]));
    const rows = [...after].map(([t, v]) => [t, ((v - (threads0.get(t) ?? 0)) * 1e4) / total]).filter((r) => (r[1] as number) >= 1);
    console.log(`  threads (µs/req): ${rows.map(([t, us]) => `${t}:${(us as number).toFixed(0)}`).join(' ')}`);
  }
  return {
    rps: results.reduce((n, r) => n + r.rps, 0),
    p99: Math.max(...results.map((r) => r.p99)),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    cpuUsPerReq: ((cpu() - cpu0) * 1e6) / total,
    loadUsPerReq: ((cpuSeconds(process.pid, false) - own0) * 1e6) / total,
  };
}

/**
 * oauth3 as configured by one BENCH_WORKERS entry: `auto` or a number is one gateway with that OAUTH3_WORKERS;
 * `NxK` is K independent gateways of N workers, each on its own database, sharing the connections (the cost of
 * sharing the cores, without sharing a database file).
 */
async function startOurs(config: string, children: ChildProcess[], dataDirs: string[]) {
  const [shape, settings] = config.split(':');
  const [workers, copies] = shape.split('x');
  const extraEnv = parseSettings(settings);
  const started = [];
  for (let i = 0; i < Number(copies ?? 1); i++) started.push(await startOauth3(workers, extraEnv, children, dataDirs));
  const name = `${copies ? `oauth3, ${copies} x workers: ${workers}` : `oauth3, workers: ${workers}`}${settings ? ` (${settings})` : ''}`;
  return { name, workers: copies || settings ? config : workers, targets: started.map((s) => s.target), env: started[0].env };
}

/** Starts oauth3 with OAUTH3_WORKERS=`workers` (and `extraEnv`) on its own seeded data directory. */
async function startOauth3(workers: string, extraEnv: Record<string, string>, children: ChildProcess[], dataDirs: string[]) {
  // a fresh data dir and port, the master key, production mode and the flood guard set high (bench/serve-process.ts)
  const { NODE_ARGS: nodeArgs, ...settings } = extraEnv;
  const { url, env, dataDir } = await planGateway({ OAUTH3_WORKERS: workers, ...settings });
  dataDirs.push(dataDir);
  const seeded = await seedOauth3(env, url);
  // as `npm start` runs it (its V8 flags), from source
  const flags = [...npmStart().nodeArgs, ...(nodeArgs?.split(/\s+/).filter(Boolean) ?? [])];
  const proc = spawn(
    process.execPath,
    [...flags, ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []), '--import', 'tsx', 'src/cli/main.ts', 'serve'],
    { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(proc);
  // Starting under tsx on a loaded machine can take longer than the ~20 s waitHealthy waits: up to six times that.
  for (let attempt = 1; ; attempt++) {
    try {
      await waitHealthy(url);
      break;
    } catch (e) {
      if (attempt === 6 || proc.exitCode !== null) throw e;
    }
  }
  const target: Target = {
    pid: proc.pid!,
    url,
    auth: basicFor(seeded.clientId, seeded.clientSecret),
    refresh: seeded.refresh,
    access: [],
    nextAccess: 0,
    introspectedGrant: 'grant_type=client_credentials&scope=mcp',
  };
  return { target, env };
}

/** The OAUTH3_ variables this tree's gateway reads (the core options and every built-in module's). */
async function knownVariables(): Promise<Set<string>> {
  const { configSchema } = await import('../src/config/index.js');
  const { builtinModules } = await import('../src/server/index.js');
  return new Set(Object.values(configSchema(builtinModules.map((m) => m.options ?? {}))).map((o) => o.env));
}

function basicFor(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const dataDirs: string[] = [];
  try {
    // oauth3 as a cluster (the judged row) and as one process (for comparison); seeded one after the other.
    const ours: Array<Awaited<ReturnType<typeof startOurs>>> = [];
    for (const w of OUR_WORKERS) ours.push(await startOurs(w, children, dataDirs));
    const peers = await Promise.all(
      PEERS.filter((p) => !process.env.BENCH_ONLY_OURS || p.storage === process.env.BENCH_ONLY_OURS).map(async (p) => {
        const port = await freePort();
        const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/token-endpoint.bench.ts', '--peer', String(port), p.storage], {
          cwd: root,
          env: { ...ours[0].env, BENCH_PEER_SECRET: SECRET },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        children.push(proc);
        const info = await waitForLine(proc);
        const url = `http://127.0.0.1:${port}`;
        const target: Target = {
          pid: proc.pid!,
          url,
          auth: basicFor('bench', SECRET),
          refresh: info.refresh as string[],
          access: [],
          nextAccess: 0,
          introspectedGrant: `grant_type=client_credentials&scope=mcp&resource=${encodeURIComponent(`${url}/opaque`)}`,
        };
        return { name: p.name, targets: [target] };
      }),
    );
    type Server = { name: string; targets: Target[] };
    const servers: Server[] = [...ours, ...peers];
    const post = (t: Target, path: string, body: string) =>
      fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: t.auth },
        body,
      });

    // Sanity: one request each must succeed before measuring; then each target's tokens to introspect, issued by
    // the grant its introspection asks about (10 requests at a time), and one introspection answered active.
    for (const t of servers.flatMap((s) => s.targets)) {
      const res = await post(t, '/token', 'grant_type=client_credentials&scope=mcp');
      if (res.status !== 200) throw new Error(`${t.url}: client_credentials answered ${res.status} ${await res.text()}`);
      while (t.access.length < INTROSPECTED_TOKENS) {
        const batch = await Promise.all(
          Array.from({ length: 10 }, async () => {
            const r = await post(t, '/token', t.introspectedGrant);
            if (r.status !== 200) throw new Error(`${t.url}: a token to introspect: ${r.status} ${await r.text()}`);
            return ((await r.json()) as { access_token: string }).access_token;
          }),
        );
        t.access.push(...batch);
      }
      const seen = await post(t, '/introspect', `token=${encodeURIComponent(t.access[0]!)}&token_type_hint=access_token`);
      const answer = await seen.text();
      if (seen.status !== 200 || !answer.includes('"active":true'))
        throw new Error(`${t.url}: introspection answered ${seen.status} ${answer.slice(0, 200)}`);
    }
    console.log(
      `token endpoint and introspection, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS} s per server (medians shown), loopback, each server in its own process(es), load generator ${LOADGEN.name}; judged: oauth3 with OAUTH3_WORKERS=${OUR_WORKERS[0]} (${cpus().length} CPUs)`,
    );
    const workloads: Workload[] = [
      { name: 'client_credentials', path: '/token', body: () => 'grant_type=client_credentials&scope=mcp' },
      {
        name: 'refresh_token (rotating)',
        path: '/token',
        body: (t) => `grant_type=refresh_token&refresh_token=${encodeURIComponent(t.refresh.shift()!)}`,
        onOk: (t, body) => {
          t.refresh.push(JSON.parse(body).refresh_token);
          return true;
        },
      },
      {
        name: 'introspection',
        path: '/introspect',
        body: (t) => `token=${encodeURIComponent(t.access[t.nextAccess++ % t.access.length]!)}&token_type_hint=access_token`,
        onOk: (_t, body) => body.includes('"active":true'),
      },
    ];
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    let failed = 0;
    for (const g of workloads) {
      for (const s of servers) await load(s.targets, g, WARM_UP_SECONDS); // warm-up (JIT, caches), not counted
      const runs = new Map<Server, Run[]>(servers.map((s) => [s, []]));
      for (let round = 0; round < ROUNDS; round++) for (const s of servers) runs.get(s)!.push(await load(s.targets, g));
      const summary = new Map(
        servers.map((s) => {
          const rs = runs.get(s)!;
          return [
            s,
            {
              rps: median(rs.map((r) => r.rps)),
              p99: median(rs.map((r) => r.p99)),
              cpu: median(rs.map((r) => r.cpuUsPerReq)),
              load: median(rs.map((r) => r.loadUsPerReq)),
              non2xx: rs.reduce((n, r) => n + r.non2xx + r.errors, 0),
              rounds: rs.map((r) => r.rps.toFixed(0)).join('/'),
            },
          ];
        }),
      );
      const line = (s: Server) => {
        const r = summary.get(s)!;
        return `  ${s.name.padEnd(26)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${String(r.p99).padStart(4)} ms  ${r.cpu.toFixed(0).padStart(5)} µs CPU/req (load generator ${r.load.toFixed(0)})  non-2xx ${r.non2xx}  (rounds: ${r.rounds} req/s)`;
      };
      console.log(g.name);
      for (const s of ours) console.log(line(s));
      for (const s of peers) {
        const b = summary.get(s)!;
        console.log(line(s));
        ours.forEach((o, i) => {
          const a = summary.get(o)!;
          const ratio = a.rps / b.rps;
          // The judged configuration: 2x, p99 and no failed answer; oauth3 as one process (the default) must keep
          // the 1.5x it had for client_credentials when issue 19 was filed; other rows are reported.
          const target =
            i === 0
              ? { target: '>= 2x, p99 < 20 ms, no failed answer', pass: ratio >= 2 && a.p99 < 20 && a.non2xx === 0 }
              : o.workers === '1' && g.name === 'client_credentials'
                ? { target: '>= 1.5x, no failed answer', pass: ratio >= 1.5 && a.non2xx === 0 }
                : {};
          if (target.pass === false) failed++;
          console.log(
            `    ${o.name}: ${ratio.toFixed(2)}x its req/s, ${(b.cpu / a.cpu).toFixed(2)}x less CPU per request${target.target ? `; target ${target.target}: ${target.pass ? 'PASS' : 'FAIL'}` : ''}`,
          );
          const versus = `${g.name}: ${o.name} vs ${s.name}`;
          report({
            bench: BENCH,
            name: `${versus}, req/s`,
            value: ratio,
            unit: 'x',
            better: 'higher',
            ...target,
            detail: `${a.rps.toFixed(0)} against ${b.rps.toFixed(0)} req/s, p99 ${a.p99} against ${b.p99} ms, load generator ${a.load.toFixed(0)} against ${b.load.toFixed(0)} µs CPU/req, non-2xx or wrong ${a.non2xx} against ${b.non2xx}`,
          });
          report({
            bench: BENCH,
            name: `${versus}, less CPU per request`,
            value: b.cpu / a.cpu,
            unit: 'x',
            better: 'higher',
            detail: `${a.cpu.toFixed(0)} against ${b.cpu.toFixed(0)} µs CPU/req`,
          });
        });
      }
    }
    console.log(
      `load average during the run: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} CPUs (other work on the machine skews req/s; CPU per request does not depend on it as much)`,
    );
    process.exitCode = failed ? 1 : 0;
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, PROFILE_DIR ? 3000 : 500));
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  }
}
