// The load of a fault test: `workers` loops run `step` back to back against a real gateway process until `until()`
// holds, then the process is SIGKILLed while the loops are still sending (mid-write: the load never pauses), and the
// loops end. A step records what the gateway acknowledged (a 200 and its body) itself; a step that throws while the
// load runs is a failure of the test, one that throws once the kill was decided is a request cut by it.
import type { KillableGateway } from './killable-gateway.js';

/** Options of `driveThenKill`. */
export interface DriveOptions {
  gateway: KillableGateway;
  /** Concurrent loops. */
  workers: number;
  /** One request (or a few) of loop `worker`; resolves when its answer is recorded. */
  step: (worker: number) => Promise<void>;
  /** Checked after each step: true once enough was acknowledged to kill. */
  until: () => boolean;
  /** The test fails when no step completes for this long (slow on a loaded machine is fine, stuck is not). */
  stallMs?: number;
  /** The test fails when `until` does not hold after this long. */
  maxMs?: number;
  /** Waits this long (ms) after `until` holds before the kill, so that it lands at no particular point of a step. */
  jitterMs?: number;
}

/** What happened to the load. */
export interface DriveResult {
  /** Steps completed before the kill. */
  steps: number;
  /** Steps cut by the kill (they threw once it was decided). */
  cut: number;
}

/** Runs the load, kills the gateway mid-load (SIGKILL) and resolves when the process and every loop have ended. */
export async function driveThenKill(o: DriveOptions): Promise<DriveResult> {
  const stallMs = o.stallMs ?? 30_000;
  const maxMs = o.maxMs ?? 120_000;
  let killing = false;
  let steps = 0;
  let cut = 0;
  let failure: Error | undefined;
  let done!: () => void;
  const ready = new Promise<void>((resolve) => (done = resolve));
  const started = Date.now();
  let last = Date.now();
  const watch = setInterval(() => {
    if (Date.now() - last > stallMs) failure ??= new Error(`the load made no progress for ${stallMs} ms (${steps} steps)`);
    else if (Date.now() - started > maxMs) failure ??= new Error(`the load did not reach its target within ${maxMs} ms (${steps} steps)`);
    if (failure) done();
  }, 250);
  const loops = Array.from({ length: o.workers }, async (_, worker) => {
    while (!killing && !failure) {
      try {
        await o.step(worker);
      } catch (e) {
        if (killing) cut++;
        else failure ??= new Error(`a request failed before the kill: ${(e as Error).message}`, { cause: e });
        continue;
      }
      if (killing) continue;
      steps++;
      last = Date.now();
      if (o.until()) done();
    }
  });
  try {
    await ready;
    if (!failure && o.jitterMs) await new Promise((r) => setTimeout(r, Math.floor(Math.random() * o.jitterMs!)));
    killing = true;
    await o.gateway.kill();
  } finally {
    killing = true;
    clearInterval(watch);
    await o.gateway.kill();
    await Promise.all(loops);
  }
  if (failure) throw failure;
  return { steps, cut };
}

/** `fetch` that gives up after `ms` (a request to a killed process fails at once; this is the bound on the rest). */
export function fetchWithin(url: string, init: RequestInit = {}, ms = 15_000): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
}

/** Runs `f` over `items`, `n` at a time; the results in order. */
export async function inParallel<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}
