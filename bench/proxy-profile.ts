// Where the ladder's gateway spends its CPU and its allocations, one rung at a time under load (issue 16).
// Run: node --import tsx bench/proxy-profile.ts [--kind=heap|cpu|none] [--rungs=plain,proxy] [--seconds=5] [--top=25] [--out=DIR]
// The upstream and the gateway of bench/proxy.bench.ts (its --role=… children; the gateway with
// bench/proxy-profile-hook.ts loaded), the load of its rungs (16 connections, full load, a 2 s warm-up each), then
// one window per rung: req/s, p99, the gateway's CPU and GC pauses per request, and with `--kind=heap` the bytes
// allocated per request (V8's sampling heap profiler, collected objects included) and the functions that allocate
// most, with `--kind=cpu` the functions that take most CPU (self time, µs per request). The profiles stay in DIR
// (default: a new temporary directory) for Chrome DevTools. No target: it explains the ladder, it does not judge.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpLoad } from './http-load.js';
import { numberArg, stringArg } from './bench-args.js';

const KIND = stringArg('kind') ?? 'heap';
const SECONDS = numberArg('seconds', 5);
const TOP = numberArg('top', 25);
const RUNGS: Record<string, string> = { plain: '/bench/plain', verified: '/bench/verified', proxy: '/proxy/ladder/echo' };
const chosen = (stringArg('rungs') ?? 'plain,proxy').split(',');
const out = stringArg('out') ?? mkdtempSync(join(tmpdir(), 'oauth3-proxy-profile-'));
mkdirSync(out, { recursive: true });
const ladder = fileURLToPath(new URL('./proxy.bench.ts', import.meta.url));
const hook = fileURLToPath(new URL('./proxy-profile-hook.ts', import.meta.url));

function child<T>(args: string[]): { proc: ChildProcess; ready: Promise<T> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, PROXY_PROFILE_KIND: KIND, PROXY_PROFILE_OUT: out },
  });
  return { proc, ready: new Promise<T>((ok) => proc.once('message', (m) => ok(m as T))) };
}

/** A profile node's function, short: `name file:line` (node_modules shortened to `nm/`). */
type CallFrame = { functionName: string; url: string; lineNumber: number };
const nameOf = (f: CallFrame) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/node_modules\//, 'nm/').replace(/^.*\//, '')}:${f.lineNumber + 1}`;
type HeapNode = { callFrame: CallFrame; selfSize: number; children: HeapNode[] };
type CpuProfile = { nodes: { id: number; callFrame: CallFrame }[]; samples: number[]; startTime: number; endTime: number };

/** Self amounts by function, per request, largest first. */
function perRequest(profile: HeapNode | CpuProfile, requests: number): { total: number; top: [string, number][] } {
  const by = new Map<string, number>();
  const add = (k: string, v: number) => by.set(k, (by.get(k) ?? 0) + v / requests);
  if ('selfSize' in profile) {
    const walk = (n: HeapNode) => (add(nameOf(n.callFrame), n.selfSize), n.children.forEach(walk));
    walk(profile);
  } else {
    const us = (profile.endTime - profile.startTime) / profile.samples.length;
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    for (const s of profile.samples) if (frames.get(s)!.functionName !== '(idle)') add(nameOf(frames.get(s)!), us);
  }
  const top = [...by].sort((a, b) => b[1] - a[1]);
  return { total: top.reduce((n, [, v]) => n + v, 0), top: top.slice(0, TOP) };
}

const up = child<{ url: string }>([ladder, '--role=upstream']);
const upstream = await up.ready;
const dataDir = mkdtempSync(join(tmpdir(), 'oauth3-proxy-profile-data-'));
const gw = child<{ url: string; token: string }>([
  '--import',
  hook,
  ladder,
  '--role=gateway',
  `--upstream=${upstream.url}`,
  `--data=${dataDir}`,
]);
const stop = () => {
  for (const p of [gw.proc, up.proc]) if (p.exitCode === null) p.kill('SIGTERM');
};
process.on('exit', stop);
const gateway = await gw.ready;
const load = (path: string, seconds: number) =>
  httpLoad({
    url: `${gateway.url}${path}`,
    connections: 16,
    seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.token}` },
    body: () => JSON.stringify({ text: 'hello from the ladder' }),
  });
for (const r of chosen) await load(RUNGS[r]!, 2);
console.log(`proxy ladder's gateway, ${KIND} profile, ${SECONDS} s per rung at full load; profiles in ${out}`);
for (const [i, r] of chosen.entries()) {
  gw.proc.kill('SIGUSR2');
  const res = await load(RUNGS[r]!, SECONDS);
  gw.proc.kill('SIGUSR2');
  await new Promise((ok) => setTimeout(ok, 2000)); // the hook writes the profile
  const stats = JSON.parse(readFileSync(join(out, `${i + 1}.stats.json`), 'utf8'));
  const n = res.requests;
  console.log(
    `${r}: ${Math.round(res.rps).toLocaleString()} req/s, p99 ${res.p99Exact.toFixed(2)} ms, non-2xx ${res.non2xx + res.errors}; ` +
      `gateway CPU ${((stats.cpuMs * 1000) / n).toFixed(1)} µs/req, GC ${stats.gcMs.toFixed(0)} ms in ${stats.gcs} pauses (${((stats.gcMs * 1000) / n).toFixed(1)} µs/req)`,
  );
  if (KIND === 'none') continue;
  const file = join(out, `${i + 1}.${KIND === 'heap' ? 'heapprofile' : 'cpuprofile'}`);
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const { total, top } = perRequest(KIND === 'heap' ? profile.head : profile, n);
  const unit = KIND === 'heap' ? 'B' : 'µs';
  console.log(
    `  ${KIND === 'heap' ? 'allocated' : 'CPU sampled (not idle)'}: ${total.toFixed(KIND === 'heap' ? 0 : 1)} ${unit}/req; by function (self):`,
  );
  for (const [name, v] of top) console.log(`  ${v.toFixed(KIND === 'heap' ? 0 : 2).padStart(8)} ${unit}  ${name}`);
}
console.log(
  `load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
stop();
await new Promise((ok) => setTimeout(ok, 1000));
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
