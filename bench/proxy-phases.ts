// Where the proxy's call path spends CPU (issue 16), in process: serial calls of each phase, CPU per call.
// Run: node --import tsx bench/proxy-phases.ts [--calls=2000] [--rounds=3] [phase …]
// The gateway's setup (SQLite, the ladder plugin of bench/proxy.bench.ts, one person connected, one access token)
// runs in this process; the upstream (the same echo) in a child process, so its CPU is not counted. Each round runs
// every phase in turn (interleaved); `process.cpuUsage` around each loop of `--calls` calls, after 200 unmeasured.
// Not a judged bench (no target): it explains the ladder's full-auth rung. Phases:
//   bare         an undici request on a keep-alive Agent, as the ladder's no-auth rung forwards;
//   client       the proxy's upstream client (URL and header checks, SSRF address check, bearer, deadline) on the
//                proxy's own dispatcher;
//   call         `proxyOf(ctx).call(…)`: scope, input, policy, vault credential, the client, the audit event;
//   credential   `vault.credentialFor` alone (connection read, open the secret, its audit event);
//   address      the SSRF address check of a literal (`addressInRanges`);
//   signals-any  AbortSignal.any + AbortSignal.timeout twice, what a call created before commit f93c14a;
//   signals-now  the deadline a call creates now (`deadlineSignal` and its `clear()`).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startLadderGateway } from './ladder-gateway.js';

const arg = (name: string, d: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d);
const CALLS = arg('calls', 2000);
const ROUNDS = arg('rounds', 3);
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

const upstreamProc = spawn(
  process.execPath,
  [
    '-e',
    `const s = require('node:http').createServer((req, res) => { const c = []; req.on('data', (d) => c.push(d)); req.on('end', () => {
       const o = JSON.stringify({ echoed: Buffer.concat(c).toString(), bearer: req.headers.authorization !== undefined });
       res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(o) }).end(o); }); });
     s.listen(0, '127.0.0.1', () => process.send('http://127.0.0.1:' + s.address().port));`,
  ],
  { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
);
const upstreamUrl = await new Promise<string>((ok) => upstreamProc.once('message', (m) => ok(m as string)));
const { proxyOf } = await import('../src/proxy/index.js');
const { addressInRanges } = await import('../src/kernel/index.js');
const { createUpstreamClient } = await import('../src/proxy/upstream-client.js');
const { deadlineSignal } = await import('../src/proxy/deadline-signal.js');

const dataDir = mkdtempSync(join(tmpdir(), 'oauth3-bench-phases-'));
const { server, token, userId } = await startLadderGateway(upstreamUrl, dataDir);
const { vaultOf } = await import('../src/vault/index.js');
const { ctx } = server;
const principal = await ctx.tokens.verify(token, { kinds: ['access'], audience: ctx.resources.gatewayUrl });
const host = proxyOf(ctx);
const pool = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
const input = { text: 'hello from the ladder' };
const upstreamHost = new URL(upstreamUrl).host;

const phases: Record<string, () => unknown> = {
  bare: async () => {
    const res = await request(`${upstreamUrl}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
      dispatcher: pool,
    });
    return res.body.json();
  },
  client: async () => {
    const deadline = deadlineSignal(undefined, ctx.config.proxyTimeoutMs);
    const upstream = createUpstreamClient({
      dispatchers: host.dispatchers,
      allowedHosts: [upstreamHost],
      credential: { accessToken: 'gho_bench', values: {} },
      injectBearer: true,
      signal: deadline.signal,
    });
    try {
      return (await upstream.fetch(`${upstreamUrl}/echo`, { method: 'POST', json: input })).json();
    } finally {
      deadline.clear();
    }
  },
  call: () =>
    host.call({ plugin: 'ladder', action: 'echo', principal, input, via: 'http', ip: '127.0.0.1', signal: new AbortController().signal }),
  credential: () => vaultOf(ctx).credentialFor(userId, 'github', { server: 'agent:bench-agent', name: 'proxy ladder.echo', ip: null }),
  address: () => addressInRanges('127.0.0.1', ctx.config.proxyAllowRanges),
  'signals-any': () => {
    for (let i = 0; i < 2; i++) AbortSignal.any([new AbortController().signal, AbortSignal.timeout(ctx.config.proxyTimeoutMs)]);
  },
  'signals-now': () => deadlineSignal(new AbortController().signal, ctx.config.proxyTimeoutMs).clear(),
};
const chosen = Object.keys(phases).filter((p) => !only.length || only.includes(p));
const cpu: Record<string, number[]> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 ? [...chosen].reverse() : chosen) {
    const f = phases[name]!;
    for (let i = 0; i < 200; i++) await f();
    const c0 = process.cpuUsage();
    for (let i = 0; i < CALLS; i++) await f();
    const c = process.cpuUsage(c0);
    (cpu[name] ??= []).push((c.user + c.system) / CALLS);
  }
}
console.log(`proxy call path, in process: CPU per call, ${ROUNDS} interleaved rounds of ${CALLS} serial calls (median; each round)`);
for (const name of chosen) {
  const v = cpu[name]!;
  console.log(`  ${name.padEnd(12)} ${median(v).toFixed(1).padStart(7)} µs   (${v.map((x) => x.toFixed(1)).join(', ')})`);
}
if (cpu.bare && cpu.call) console.log(`  call - bare  ${(median(cpu.call) - median(cpu.bare)).toFixed(1).padStart(7)} µs`);
if (cpu.bare && cpu.client) console.log(`  client - bare ${(median(cpu.client) - median(cpu.bare)).toFixed(1).padStart(6)} µs`);
upstreamProc.kill();
await pool.close();
await server.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
