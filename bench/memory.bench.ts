// Benchmark of memory (issue 19): the resident memory of one real `oauth3 serve` process under `--minutes` (default
// 10) of mixed load, all at once: passkey sign-in ceremonies, token issuance (client_credentials), refresh
// (rotating), a proxy call (bench/memory-plugin.ts, against an echo upstream in this process) and the vault's
// POST /auth/token. Run: node --import tsx bench/memory.bench.ts [--minutes=10] [--connections=2] [--sample=5] [--source] [--quick]
// (--quick: one minute, sampled every 2 s)
// The gateway is built first from the working tree (bench/built-gateway.ts, about a minute) and runs as `npm start`
// does: package.json's `start` script (its node flags and any VAR=value before `node`) on the build's
// dist/cli/main.js; `--source` runs it from source through tsx instead (tens of MB more: the loader).
// `--node-args='--trace-gc --max-semi-space-size=8'` adds node flags after the start script's (to try one).
// The gateway runs its default configuration (SQLite, one process, default caches) except what a bench from one
// address needs: OAUTH3_RATE_LIMIT_AUTH=0 (sign-in would be stopped at 60 a minute), the flood guard set high
// (bench/serve-process.ts), the proxy allowed to reach 127.0.0.0/8 (the echo upstream), a GitHub provider.
// Each kind of request runs in `--connections` loops, one request (or ceremony) in flight on each, as fast as the
// gateway answers. VmRSS of the gateway (/proc/<pid>/status) is sampled every `--sample` seconds.
// Targets: the largest sample under 150 MB, and no growth after the first minute: the mean of the last minute at
// most 1.10x the mean of the second (with fewer than 3 minutes, the same over thirds of the run: the first third is
// the warm-up, the second against the last). The slope of a line fitted to the samples after the warm-up is
// reported in MB/min.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { SoftAuthenticator } from '../test/accounts/soft-authenticator.js';
import { Connection, loopLoad, type LoopResult } from './loop-load.js';
import { PasskeyTab } from './passkey-tab.js';
import { residentMb } from './proc-stats.js';
import { report } from './report.js';
import { npmStart } from '../test/support/npm-start.js';
import { numberArg, stringArg } from './bench-args.js';
import { seedClient, withGatewayContext } from './seed-client.js';
import { planGateway, serveGateway } from './serve-process.js';
import { buildGateway, type BuiltGateway } from './built-gateway.js';

const MINUTES = numberArg('minutes', 10, 1);
const CONNECTIONS = numberArg('connections', 2);
const SAMPLE_S = numberArg('sample', 5, 2);
const SOURCE = process.argv.includes('--source');
const BENCH = 'memory';
const SIGNIN_PEOPLE = 200;
const VAULT_PEOPLE = 1000;

const start = npmStart();
const nodeArgs = [...start.nodeArgs, ...(stringArg('node-args')?.split(/\s+/).filter(Boolean) ?? [])];
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

// The echo upstream of the proxy call: answers every POST with what it was sent.
const upstream = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({ echo: Buffer.concat(chunks).toString(), bearer: Boolean(req.headers.authorization) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});
await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;

let built: BuiltGateway | undefined;
if (!SOURCE) {
  const b = buildGateway();
  built = b;
  process.once('exit', () => b.remove());
  console.log(`memory: built the gateway in ${b.seconds.toFixed(0)} s (${b.dist})`);
}
const plugin = built ? built.addModule('./memory-plugin.ts') : fileURLToPath(new URL('./memory-plugin.ts', import.meta.url));
const plan = await planGateway({
  OAUTH3_RATE_LIMIT_AUTH: '0',
  OAUTH3_PROXY_ALLOW_RANGES: '127.0.0.0/8',
  OAUTH3_PROVIDERS: JSON.stringify([{ preset: 'github', client_id: 'bench-client', client_secret: 'bench-secret' }]),
});

/** A GitHub connection in the vault, as a person who connected would have. */
const github = (userId: string, i: number) => ({
  userId,
  provider: 'github',
  account: `bench-${i}`,
  scopes: 'read:user',
  secret: { kind: 'oauth' as const, access_token: `gho_${randomBytes(24).toString('base64url')}`, token_type: 'bearer' },
  expiresAt: Date.now() + 86_400_000,
});

// Seeded from source in this process (the plugin is not needed for it: its scope is only a string in the token).
const seeded = await withGatewayContext(plan.env, async (ctx) => {
  const { createUser } = await import('../src/accounts/index.js');
  const { vaultOf, createApiKey } = await import('../src/vault/index.js');
  const { issueAccessToken } = await import('../test/support/tokens.js');
  const client = await seedClient(ctx, plan.url, CONNECTIONS * 4);
  const vault = vaultOf(ctx);
  const { key, summary } = await createApiKey(ctx, { name: 'bench' });
  const people: string[] = [];
  for (let i = 0; i < VAULT_PEOPLE; i++) {
    const { id } = await createUser(ctx.db);
    await vault.store(github(id, i));
    await vault.allow(id, 'github', `apikey:${summary.id}`);
    people.push(id);
  }
  const { token } = await issueAccessToken(ctx, {
    userId: people[0]!,
    clientId: 'bench-agent',
    scopes: ['memo.echo'],
    audience: [ctx.resources.gatewayUrl],
    ttl: MINUTES * 60 + 3600,
  });
  await ctx.audit.flush();
  return { client, apiKey: key, people, proxyToken: token };
});

const gateway = await serveGateway(
  { ...plan, env: { ...plan.env, ...start.env, OAUTH3_PLUGINS: plugin, OAUTH3_BENCH_UPSTREAM: upstreamUrl } },
  { main: built?.main, nodeArgs },
);
console.log(
  `memory: the gateway runs as node ${[...nodeArgs, built ? 'dist/cli/main.js' : 'src/cli/main.ts (tsx)'].join(' ')} serve${
    Object.keys(start.env).length
      ? ` with ${Object.entries(start.env)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`
      : ''
  }`,
);
/** A sample: seconds since the load began, VmRSS (MB) and its anonymous part, and V8's used heap (MB, from /metrics). */
const samples: Array<{ t: number; mb: number; anon: number; heap: number }> = [];
const tabs: PasskeyTab[] = [];
const conns: Connection[] = [];
let failures = 0;
try {
  // The people who sign in, through the real sign-up ceremony.
  tabs.push(...(await Promise.all(Array.from({ length: CONNECTIONS }, () => PasskeyTab.open(gateway.url)))));
  const shares: SoftAuthenticator[][] = tabs.map(() => []);
  await loopLoad({
    connections: CONNECTIONS,
    count: SIGNIN_PEOPLE,
    op: async (i) => {
      shares[i]!.push(await tabs[i]!.signUp());
      return true;
    },
  });

  const open = () => {
    const c = new Connection(gateway.url);
    conns.push(c);
    return c;
  };
  const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: seeded.client.auth };
  const ok200 = (r: { status: number; body: string }, what: string) => {
    if (r.status !== 200) throw new Error(`${what}: ${r.status} ${r.body.slice(0, 200)}`);
    return JSON.parse(r.body) as Record<string, unknown>;
  };
  /** Each kind: `--connections` loops, each with its own connection (and state). */
  const kinds: Record<string, (loop: number) => () => Promise<boolean>> = {
    'sign-in ceremony': (i) => {
      let n = 0;
      return () => tabs[i]!.signIn(shares[i]![n++ % shares[i]!.length]!);
    },
    'token (client_credentials)': () => {
      const c = open();
      return async () =>
        Boolean(ok200(await c.send('POST', '/token', form, 'grant_type=client_credentials&scope=mcp'), '/token').access_token);
    },
    'refresh (refresh_token)': (i) => {
      const c = open();
      const chain = seeded.client.refresh.filter((_, j) => j % CONNECTIONS === i);
      return async () => {
        const rt = chain.shift()!;
        const answer = ok200(
          await c.send('POST', '/token', form, `grant_type=refresh_token&refresh_token=${encodeURIComponent(rt)}`),
          'refresh',
        );
        chain.push(answer.refresh_token as string);
        return true;
      };
    },
    'proxy call': () => {
      const c = open();
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${seeded.proxyToken}` };
      return async () => ok200(await c.send('POST', '/proxy/memo/echo', headers, '{"text":"hello"}'), '/proxy/memo/echo') !== undefined;
    },
    'vault /auth/token': () => {
      const c = open();
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${seeded.apiKey}` };
      return async () => {
        const person = seeded.people[Math.floor(Math.random() * seeded.people.length)];
        return Boolean(
          ok200(await c.send('POST', '/auth/token', headers, JSON.stringify({ user_id: person, provider: 'github' })), '/auth/token')
            .access_token,
        );
      };
    },
  };

  const t0 = performance.now();
  const metrics = new Connection(gateway.url);
  conns.push(metrics);
  const sample = async () => {
    const t = (performance.now() - t0) / 1000;
    const m = residentMb(gateway.pid);
    const text = (await metrics.send('GET', '/metrics', {})).body;
    const heap = Number(/^oauth3_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? NaN) / 1048576;
    if (m) samples.push({ t, mb: m.rss, anon: m.anon, heap });
  };
  await sample();
  const sampler = setInterval(() => void sample(), SAMPLE_S * 1000);
  const minuteLog = setInterval(() => {
    const last = samples.filter((s) => s.t > (performance.now() - t0) / 1000 - 60);
    console.log(
      `  minute ${Math.round((performance.now() - t0) / 60_000)}: RSS mean ${mean(last.map((s) => s.mb)).toFixed(1)} MB (anonymous ${mean(last.map((s) => s.anon)).toFixed(1)}), max ${Math.max(...last.map((s) => s.mb)).toFixed(1)} MB; V8 heap used ${mean(last.map((s) => s.heap)).toFixed(1)} MB`,
    );
  }, 60_000);
  const seconds = MINUTES * 60;
  console.log(`memory: ${MINUTES} min of mixed load, ${CONNECTIONS} loops per kind, RSS sampled every ${SAMPLE_S} s`);
  const results: Array<[string, LoopResult]> = await Promise.all(
    Object.entries(kinds).map(async ([name, make]) => {
      const ops = Array.from({ length: CONNECTIONS }, (_, i) => make(i));
      return [name, await loopLoad({ connections: CONNECTIONS, seconds, op: (i) => ops[i]!() })] as [string, LoopResult];
    }),
  );
  clearInterval(sampler);
  await sample();
  clearInterval(minuteLog);
  for (const [name, r] of results) {
    console.log(
      `  ${name}: ${r.rate.toFixed(0)}/s, p99 ${r.p99.toFixed(1)} ms, failed ${r.failures}${r.firstError ? ` (first: ${r.firstError})` : ''}`,
    );
    if (r.failures) failures++;
  }

  // The windows: warm-up, the early window after it, the last one.
  const w = Math.min(60, seconds / 3);
  const earlySamples = samples.filter((s) => s.t >= w && s.t < 2 * w);
  const lastSamples = samples.filter((s) => s.t >= seconds - w);
  const early = earlySamples.map((s) => s.mb);
  const last = lastSamples.map((s) => s.mb);
  const heapEarly = mean(earlySamples.map((s) => s.heap));
  const heapLast = mean(lastSamples.map((s) => s.heap));
  const after = samples.filter((s) => s.t >= w);
  const tm = mean(after.map((s) => s.t));
  const mm = mean(after.map((s) => s.mb));
  const slope =
    (after.reduce((n, s) => n + (s.t - tm) * (s.mb - mm), 0) /
      Math.max(
        1e-9,
        after.reduce((n, s) => n + (s.t - tm) ** 2, 0),
      )) *
    60;
  const max = Math.max(...samples.map((s) => s.mb));
  const growth = mean(last) / mean(early);
  const served = results.map(([name, r]) => `${name} ${r.rate.toFixed(0)}/s`).join(', ');
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `  RSS: start ${samples[0]!.mb.toFixed(1)} MB, max ${max.toFixed(1)} MB; mean ${mean(early).toFixed(1)} MB in [${w}, ${2 * w}) s, ${mean(last).toFixed(1)} MB in the last ${w} s; slope after ${w} s ${slope.toFixed(2)} MB/min; V8 heap used ${heapEarly.toFixed(1)} then ${heapLast.toFixed(1)} MB; load average ${load}`,
  );
  const maxOk = max < 150 && failures === 0;
  const growthOk = growth <= 1.1;
  if (!maxOk) failures++;
  if (!growthOk) failures++;
  report({
    bench: BENCH,
    name: 'max RSS under mixed load',
    value: max,
    unit: 'MB',
    better: 'lower',
    target: '< 150 MB, no failed request',
    pass: maxOk,
    detail: `${SOURCE ? 'from source (tsx)' : `built (${['node', ...nodeArgs, 'dist/cli/main.js'].join(' ')})`}, ${MINUTES} min: ${served}; load average ${load}`,
  });
  report({
    bench: BENCH,
    name: 'RSS growth after the warm-up (last window / early window)',
    value: growth,
    unit: 'x',
    better: 'lower',
    target: '<= 1.10x',
    pass: growthOk,
    detail: `${mean(last).toFixed(1)} vs ${mean(early).toFixed(1)} MB, windows of ${w} s; V8 heap used ${heapLast.toFixed(1)} vs ${heapEarly.toFixed(1)} MB`,
  });
  report({ bench: BENCH, name: 'RSS slope after the warm-up', value: slope, unit: 'MB/min', better: 'lower' });
  // the process's own memory: RSS without the file-backed pages (the node binary and its libraries, shared with
  // every node process on the machine and dropped by the kernel under pressure)
  report({
    bench: BENCH,
    name: 'max anonymous RSS under mixed load',
    value: Math.max(...samples.map((s) => s.anon)),
    unit: 'MB',
    better: 'lower',
  });
} finally {
  await Promise.all([...tabs.map((t) => t.conn.close()), ...conns.map((c) => c.close())]);
  await gateway.stop();
  upstream.close();
}
console.log(failures ? `${failures} target(s) missed` : 'all targets met');
process.exit(failures ? 1 : 0);
