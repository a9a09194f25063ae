// Fuzz: malformed requests to every route a real `oauth3 serve` process serves (its own route tree, the pages,
// /mcp, the proxy with the echo plugin, the vault, the OAuth endpoints, the well-known documents), some with valid
// credentials so they get past authentication into the handlers. A seeded PRNG (FUZZ_SEED to replay one):
// no 5xx, no connection reset or hang, the process alive, its memory bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFuzzTarget, type FuzzTarget } from './fuzz-gateway.js';
import { runFuzz } from './fuzz-run.js';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const WARM_UP = 1000;
/** Two tallies of statuses added up. */
const merge = (a: Record<string, number>, b: Record<string, number>) => {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
};

describe.each([
  ['sqlite', 8000],
  ['postgres', 2000],
] as const)('fuzz on %s', (dialect, count) => {
  let target: FuzzTarget;
  beforeAll(async () => {
    target = await startFuzzTarget(dialect);
  }, 90_000);
  afterAll(() => target?.stop());

  it(`${count} malformed requests: no 5xx, no reset, the process alive, memory bounded`, async () => {
    console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays it), ${target.routes.length} routes`);
    const warm = await runFuzz(target, SEED, WARM_UP);
    const rssWarm = target.rss();
    // The rest in two halves: memory that plateaus (V8 growing its heap before its first full collections, SQLite's
    // page cache filling up to its bound) grows in the first; a leak grows in both.
    const half = Math.floor((count - WARM_UP) / 2);
    const first = await runFuzz(target, SEED + 1, half);
    const rssMid = target.rss();
    const second = await runFuzz(target, SEED + 2, count - WARM_UP - half);
    const rssAfter = target.rss();
    const rest = { sent: first.sent + second.sent, statuses: merge(first.statuses, second.statuses) };
    const failures = [...warm.failures, ...first.failures, ...second.failures];
    console.log(
      `${dialect}: ${warm.sent + rest.sent} requests`,
      JSON.stringify({ warm: warm.statuses, rest: rest.statuses }),
      `RSS ${(rssWarm / 2 ** 20).toFixed(0)} MB after the warm-up, ${(rssMid / 2 ** 20).toFixed(0)} MB half way, ${(rssAfter / 2 ** 20).toFixed(0)} MB after`,
    );
    if (failures.length) console.log(`gateway output:\n${target.output.slice(-40).join('\n')}`);
    expect(failures.slice(0, 20), `seed ${SEED}`).toEqual([]);
    expect(target.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${target.port}/health`)).status).toBe(200);
    // SQLite's page cache (16 MiB) may still be filling in the second half; a leak of a few KB a request would not fit
    expect(rssAfter - rssMid, 'RSS grew in the second half').toBeLessThan(48 * 2 ** 20);
    expect(rssAfter).toBeLessThan(rssWarm + 128 * 2 ** 20);
    // The fuzzer's own session still works: its requests reached the handlers to the end
    const me = await fetch(`http://127.0.0.1:${target.port}/api/v1/me`, { headers: { cookie: target.credentials.cookie } });
    expect(me.status).toBe(200);
  }, 120_000);
});
