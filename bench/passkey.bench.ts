// Benchmark of passkey ceremonies (issue 19): sign-in ceremonies per second against a real `oauth3 serve` over HTTP,
// each person's passkey a P-256 key of a software authenticator in this process (test/accounts/soft-authenticator.ts,
// the one the ceremony tests use).
// Run: node --import tsx bench/passkey.bench.ts [--people=2000] [--connections=16] [--seconds=5] [--rounds=3] [--profile=DIR] [--quick]
// (--quick: 300 people, rounds of 2 s)
//   1. registration: `--people` people sign up through the real ceremony (POST /api/v1/signup/options, the
//      authenticator's attestation, POST /api/v1/signup): ceremonies/s and p99 (reported).
//   2. sign-in: each ceremony is POST /api/v1/signin/options, an assertion by the person's authenticator, POST
//      /api/v1/signin, and the answer must set the session cookie. `--connections` loops, each signing in its own
//      share of the people in turn (a person's signature counter must grow, so no two loops share one); a 2 s
//      warm-up, then `--rounds` rounds of `--seconds` (median). Target: at least 300 ceremonies/s.
// The gateway runs its default configuration (SQLite, one process) except OAUTH3_RATE_LIMIT_AUTH=0: the per-address
// sign-in limit (60 a minute by default) would otherwise stop one address after a second of this.
// Printed too: the gateway's CPU per ceremony, this process's (the load and the authenticator), and the
// authenticator's own signing time per ceremony.
import { loadavg } from 'node:os';
import type { SoftAuthenticator } from '../test/accounts/soft-authenticator.js';
import { loopLoad, type LoopResult } from './loop-load.js';
import { PasskeyTab } from './passkey-tab.js';
import { processCpuSeconds } from './proc-stats.js';
import { report } from './report.js';
import { numberArg } from './bench-args.js';
import { planGateway, serveGateway } from './serve-process.js';

const PEOPLE = numberArg('people', 2000, 300);
const CONNECTIONS = numberArg('connections', 16);
const SECONDS = numberArg('seconds', 5, 2);
const ROUNDS = numberArg('rounds', 3);
const BENCH = 'passkey';
const PROFILE = process.argv.find((a) => a.startsWith('--profile='))?.split('=')[1]; // the gateway's CPU profile goes there
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

const gateway = await serveGateway(await planGateway({ OAUTH3_RATE_LIMIT_AUTH: '0' }), {
  nodeArgs: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [],
});

const tabs: PasskeyTab[] = [];

/** Runs a load and measures the CPU per operation of the gateway, of this process, and of the authenticator alone. */
async function measured(run: () => Promise<LoopResult>) {
  const gw0 = processCpuSeconds(gateway.pid);
  const own0 = process.cpuUsage();
  for (const t of tabs) t.signingNs = 0n;
  const r = await run();
  const own = process.cpuUsage(own0);
  const per = (s: number) => (s * 1e6) / Math.max(1, r.ops + r.failures);
  return {
    ...r,
    gatewayUs: per(processCpuSeconds(gateway.pid) - gw0),
    benchUs: per((own.user + own.system) / 1e6),
    signingUs: per(Number(tabs.reduce((n, t) => n + t.signingNs, 0n)) / 1e9),
  };
}

let failures = 0;
try {
  tabs.push(...(await Promise.all(Array.from({ length: CONNECTIONS }, () => PasskeyTab.open(gateway.url)))));
  const people: SoftAuthenticator[] = [];
  const registerOp = async (i: number) => {
    people.push(await tabs[i]!.signUp());
    return true;
  };

  // 1. Registration: a short warm-up (not counted), then the rest of the people, as many loops at once.
  const warm = Math.min(PEOPLE, CONNECTIONS * 4);
  await loopLoad({ connections: CONNECTIONS, count: warm, op: registerOp });
  const reg = await measured(() => loopLoad({ connections: CONNECTIONS, count: PEOPLE - warm, op: registerOp }));
  if (reg.failures) throw new Error(`registration failed ${reg.failures} times: ${reg.firstError}`);
  console.log(
    `passkey sign-up ceremonies: ${reg.rate.toFixed(0)}/s, p99 ${reg.p99.toFixed(1)} ms over ${reg.ops} people (${CONNECTIONS} connections); CPU per ceremony: gateway ${reg.gatewayUs.toFixed(0)} µs, this process ${reg.benchUs.toFixed(0)} µs (authenticator ${reg.signingUs.toFixed(0)} µs)`,
  );

  // 2. Sign-in: each loop signs in its own share of the people, one after another.
  const shares = tabs.map((_, i) => people.filter((_, j) => j % CONNECTIONS === i));
  const next = tabs.map(() => 0);
  const signInOp = (i: number) => {
    const share = shares[i]!;
    return tabs[i]!.signIn(share[next[i]!++ % share.length]!);
  };
  await loopLoad({ connections: CONNECTIONS, seconds: 2, op: signInOp }); // warm-up
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++)
    rounds.push(await measured(() => loopLoad({ connections: CONNECTIONS, seconds: SECONDS, op: signInOp })));
  const bad = rounds.reduce((n, r) => n + r.failures, 0);
  const rate = median(rounds.map((r) => r.rate));
  const p99 = median(rounds.map((r) => r.p99));
  const gw = median(rounds.map((r) => r.gatewayUs));
  const own = median(rounds.map((r) => r.benchUs));
  const signing = median(rounds.map((r) => r.signingUs));
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `passkey sign-in ceremonies: ${rate.toFixed(0)}/s, p99 ${p99.toFixed(1)} ms, failed ${bad}${bad ? ` (${rounds.find((r) => r.firstError)?.firstError})` : ''} (rounds: ${rounds.map((r) => r.rate.toFixed(0)).join(', ')}/s; ${PEOPLE} people, ${CONNECTIONS} connections); CPU per ceremony: gateway ${gw.toFixed(0)} µs, this process ${own.toFixed(0)} µs (authenticator ${signing.toFixed(0)} µs); load average ${load}`,
  );
  const ok = rate >= 300 && bad === 0;
  if (!ok) failures++;
  report({
    bench: BENCH,
    name: 'sign-in ceremonies per second',
    value: rate,
    unit: '/s',
    better: 'higher',
    target: '>= 300/s, none failed',
    pass: ok,
    detail: `p99 ${p99.toFixed(1)} ms, ${bad} failed, gateway ${gw.toFixed(0)} µs CPU per ceremony, load average ${load}`,
  });
  report({ bench: BENCH, name: 'sign-in ceremony p99', value: p99, unit: 'ms', better: 'lower' });
  report({
    bench: BENCH,
    name: 'sign-in: authenticator CPU per ceremony',
    value: signing,
    unit: 'µs',
    better: 'lower',
    detail: `this process in all ${own.toFixed(0)} µs (load and authenticator), the gateway ${gw.toFixed(0)} µs`,
  });
  report({
    bench: BENCH,
    name: 'sign-up ceremonies per second',
    value: reg.rate,
    unit: '/s',
    better: 'higher',
    detail: `p99 ${reg.p99.toFixed(1)} ms, gateway ${reg.gatewayUs.toFixed(0)} µs CPU per ceremony, authenticator ${reg.signingUs.toFixed(0)} µs`,
  });
} finally {
  await Promise.all(tabs.map((t) => t.conn.close()));
  await gateway.stop();
}
console.log(failures ? `${failures} target(s) missed` : 'all targets met');
process.exit(failures ? 1 : 0);
