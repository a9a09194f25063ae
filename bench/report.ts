// The one way a bench reports a measured result, so `npm run bench` can gather every bench's results into one
// table (and JSON), and `--compare REF` can set a ref's results beside the working tree's.
import { appendFileSync } from 'node:fs';

/** One measured result of a bench: a ratio (side by side in one run) or a value, with its target when it has one. */
export interface BenchResult {
  /** The bench's file name without `.bench.ts`, e.g. `token-endpoint`. */
  bench: string;
  /** What was measured, stable across runs (the key `--compare` matches on), e.g. `client_credentials vs oidc-provider (memory)`. */
  name: string;
  /** The measured value: a ratio for side-by-side results. */
  value: number;
  /** `x` for a ratio; otherwise the unit (`ms`, `µs`, `req/s`, `MB`, `rows/s`, `/s`). */
  unit: string;
  /** Which way is better, for `--compare`: `higher` (throughput, ratios of ours over theirs) or `lower` (latency, memory, cost ratios). */
  better: 'higher' | 'lower';
  /** The target as people read it, e.g. `>= 2x`; absent when the result is only reported. */
  target?: string;
  /** Whether the target is met; absent when there is no target. */
  pass?: boolean;
  /** Free details shown after the value (req/s of each side, p99, the load average…). */
  detail?: string;
}

/** `npm run bench` (bench/run.ts) sets this to a file; each bench appends one JSON line per result. */
export const RESULTS_FILE_ENV = 'BENCH_RESULTS_FILE';

/** Prints the result as a line (PASS/FAIL when it has a target) and appends it to BENCH_RESULTS_FILE when set. */
export function report(r: BenchResult): void {
  const target = r.target === undefined ? '(reported)' : `target ${r.target}: ${r.pass ? 'PASS' : 'FAIL'}`;
  const value = r.unit === 'x' ? `${r.value.toFixed(2)}x` : `${r.value.toLocaleString('en', { maximumFractionDigits: 2 })} ${r.unit}`;
  console.log(`  [${r.bench}] ${r.name}: ${value}${r.detail ? ` (${r.detail})` : ''}  ${target}`);
  const file = process.env[RESULTS_FILE_ENV];
  if (file) appendFileSync(file, JSON.stringify(r) + '\n');
}
