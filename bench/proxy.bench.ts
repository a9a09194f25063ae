// Benchmark of the plugin proxy (issue 16): the ladder against a local upstream, side by side in one run.
// Run: node --import tsx bench/proxy.bench.ts [--rounds=3] [--seconds=4] [--connections=16] [--profile=DIR] [--quick]
// (`--quick`: one round of 2 s). Every result goes through report() (bench/report.ts).
//   1. direct: the load generator calls the upstream itself;
//   2. through the gateway with no auth: a route of the gateway that forwards the body to the upstream (undici, a
//      keep-alive pool: what the proxy's upstream client uses) and answers what it said;
//   3. the same with token verify (`ctx.tokens.verify` of the bearer, as every proxy call);
//   4. the proxy itself: `POST /proxy/ladder/echo` (verify, scope, input schema, policy, the person's credential from
//      the vault injected, the upstream call through the SSRF-checked client, the audit event).
// The upstream and the gateway each run in their own process; the load generator (bench/http-load.ts) in this one.
// Interleaved rounds at full load (the medians shown), then rungs 2 and 4 paced at half of rung 4's maximum.
// Targets: full auth keeps at least 0.75x the no-auth rung's req/s, and adds under 2 ms at p99 at half load.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import type { GatewayModule } from '../src/kernel/index.js';
import { startLadderGateway } from './ladder-gateway.js';
import { httpLoad, type LoadResult } from './http-load.js';
import { numberArg as arg } from './bench-args.js';
import { report } from './report.js';

const BENCH = 'proxy';
const ROUNDS = arg('rounds', 3, 1);
const SECONDS = arg('seconds', 4, 2);
const CONNECTIONS = arg('connections', 16);
/** `--profile=DIR`: the gateway runs with `node --cpu-prof` and writes its profile to DIR when the bench stops it. */
const PROFILE = process.argv.find((a) => a.startsWith('--profile='))?.split('=')[1];
const BODY = JSON.stringify({ text: 'hello from the ladder' });
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

/** The upstream (a child process): answers every POST with the JSON it got and whether a bearer came with it. */
function runUpstream(): void {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const out = JSON.stringify({ echoed: Buffer.concat(chunks).toString('utf8'), bearer: req.headers.authorization !== undefined });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

/** The gateway (a child process): the ladder plugin, the two bench routes, one person connected, one access token. */
async function runGateway(upstreamUrl: string, dataDir: string): Promise<void> {
  const pool = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  /** Rung 2 and 3: forward the body to the upstream and answer its JSON, as the plugin's handler does. */
  const forward = async (body: unknown) => {
    const res = await request(`${upstreamUrl}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      dispatcher: pool,
    });
    return { result: await res.body.json() };
  };
  const benchRoutes: GatewayModule = {
    name: 'bench_ladder',
    routes(app, ctx) {
      app.post('/bench/plain', async (req) => forward(req.body));
      app.post('/bench/verified', async (req) => {
        await ctx.tokens.verify(String(req.headers.authorization).slice(7), { kinds: ['access'], ip: req.ip });
        return forward(req.body);
      });
    },
  };
  const { server, token } = await startLadderGateway(upstreamUrl, dataDir, [benchRoutes]);
  process.send!({ url: server.url, token });
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}

/** Starts this file as a child in `role`, resolving with what it reports over IPC. */
function child<T>(role: string, extra: string[] = []): { proc: ChildProcess; ready: Promise<T> } {
  const profile = PROFILE && role === 'gateway' ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [];
  const proc = spawn(process.execPath, [...profile, '--import', 'tsx', fileURLToPath(import.meta.url), `--role=${role}`, ...extra], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<T>((ok, fail) => {
    proc.once('message', (m) => ok(m as T));
    proc.once('exit', (code) => fail(new Error(`the ${role} exited with ${code}`)));
  });
  return { proc, ready };
}

async function main(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'oauth3-bench-proxy-'));
  const up = child<{ url: string }>('upstream');
  const upstream = await up.ready;
  const gw = child<{ url: string; token: string }>('gateway', [`--upstream=${upstream.url}`, `--data=${dataDir}`]);
  const procs = [up.proc, gw.proc];
  const stop = async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((ok) => (p.exitCode === null ? p.once('exit', ok) : ok(undefined)))));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const gateway = await gw.ready;
    const auth = { authorization: `Bearer ${gateway.token}` };
    const rungs = [
      { name: 'direct to the upstream', url: `${upstream.url}/echo`, headers: {}, ok: '"echoed"' },
      { name: 'gateway, no auth', url: `${gateway.url}/bench/plain`, headers: {}, ok: '"echoed"' },
      { name: 'gateway, token verify', url: `${gateway.url}/bench/verified`, headers: auth, ok: '"echoed"' },
      { name: 'proxy: verify, policy, credential', url: `${gateway.url}/proxy/ladder/echo`, headers: auth, ok: '"bearer":true' },
    ];
    const load = (r: (typeof rungs)[number], seconds: number, rate?: number) => {
      let wrong = 0;
      return httpLoad({
        url: r.url,
        connections: CONNECTIONS,
        seconds,
        rate,
        headers: { 'content-type': 'application/json', ...r.headers },
        body: () => BODY,
        onResponse: (status, body) => {
          if (status === 200 && !body.includes(r.ok)) wrong++;
        },
      }).then((x) => ({ ...x, errors: x.errors + wrong }));
    };
    for (const r of rungs) await load(r, 2); // warm-up, not counted
    const full = rungs.map(() => [] as LoadResult[]);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [3, 2, 1, 0] : [0, 1, 2, 3];
      for (const i of order) full[i]!.push(await load(rungs[i]!, SECONDS));
    }
    const summary = full.map((rs) => ({
      rps: median(rs.map((x) => x.rps)),
      p99: median(rs.map((x) => x.p99Exact)),
      bad: rs.reduce((n, x) => n + x.non2xx + x.errors, 0),
      each: rs.map((x) => Math.round(x.rps).toLocaleString()).join(', '),
    }));
    console.log(`proxy ladder, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS} s at full load (medians)`);
    rungs.forEach((r, i) => {
      const s = summary[i]!;
      console.log(
        `  ${r.name.padEnd(34)} ${Math.round(s.rps).toLocaleString().padStart(7)} req/s  p99 ${s.p99.toFixed(2)} ms  non-2xx or wrong ${s.bad}  (rounds: ${s.each})`,
      );
    });
    const ratio = summary[3]!.rps / summary[1]!.rps;
    const throughputOk = ratio >= 0.75 && summary.every((s) => s.bad === 0);
    console.log(
      `  full auth: ${ratio.toFixed(2)}x the no-auth gateway's req/s; target >= 0.75x, no failed answer: ${verdict(throughputOk)}`,
    );
    const rps = (i: number) => `${Math.round(summary[i]!.rps).toLocaleString()} req/s`;
    report({
      bench: BENCH,
      name: 'full proxy vs the no-auth forward, req/s',
      value: ratio,
      unit: 'x',
      better: 'higher',
      target: '>= 0.75x, no failed answer',
      pass: throughputOk,
      detail: `${rps(3)} against ${rps(1)}; non-2xx or wrong ${summary.reduce((n, x) => n + x.bad, 0)}`,
    });
    report({
      bench: BENCH,
      name: 'full proxy vs the token-verify forward, req/s',
      value: summary[3]!.rps / summary[2]!.rps,
      unit: 'x',
      better: 'higher',
      detail: `against ${rps(2)}`,
    });
    report({
      bench: BENCH,
      name: 'no-auth forward vs direct to the upstream, req/s',
      value: summary[1]!.rps / summary[0]!.rps,
      unit: 'x',
      better: 'higher',
      detail: `${rps(1)} against ${rps(0)}`,
    });

    // Half of the full-auth rung's maximum, paced, for the no-auth rung and the full one in turn.
    const rate = Math.max(1, Math.round(summary[3]!.rps / 2));
    const half = [1, 3].map(() => [] as LoadResult[]);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [1, 0] : [0, 1];
      for (const j of order) half[j]!.push(await load(rungs[j === 0 ? 1 : 3]!, SECONDS, rate));
    }
    const [plainP99, fullP99] = half.map((rs) => median(rs.map((x) => x.p99Exact)));
    const added = fullP99! - plainP99!;
    const halfBad = half.flat().reduce((n, x) => n + x.non2xx + x.errors, 0);
    const latencyOk = added < 2 && halfBad === 0;
    console.log(
      `at half load (${rate.toLocaleString()} req/s paced): p99 no auth ${plainP99!.toFixed(2)} ms, full auth ${fullP99!.toFixed(2)} ms: adds ${added.toFixed(2)} ms; target < 2 ms: ${verdict(latencyOk)}`,
    );
    report({
      bench: BENCH,
      name: 'added p99 at half load, full proxy vs the no-auth forward',
      value: added,
      unit: 'ms',
      better: 'lower',
      target: '< 2 ms, no failed answer',
      pass: latencyOk,
      detail: `p99 ${fullP99!.toFixed(2)} against ${plainP99!.toFixed(2)} ms at ${rate.toLocaleString()} req/s paced`,
    });
    console.log(
      `load average during the run: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    return (throughputOk ? 0 : 1) + (latencyOk ? 0 : 1);
  } finally {
    await stop();
  }
}

const role = process.argv.find((a) => a.startsWith('--role='))?.split('=')[1];
const valueOf = (name: string) =>
  process.argv
    .find((a) => a.startsWith(`--${name}=`))!
    .split('=')
    .slice(1)
    .join('=');
if (role === 'upstream') runUpstream();
else if (role === 'gateway') await runGateway(valueOf('upstream'), valueOf('data'));
else {
  const failures = await main();
  console.log(failures ? `${failures} target(s) missed` : 'all targets met');
  process.exit(failures ? 1 : 0);
}
