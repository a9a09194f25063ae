// The logic of `npm run bench -- --compare REF`: the results a git ref's benches reported set beside the working
// tree's, result by result (matched on bench and name), and which of them fell. Pure: bench/run.ts runs the benches.
import type { BenchResult } from './report.js';

/** How far a result may fall in its `better` direction before the comparison fails (10%). */
export const REGRESSION_THRESHOLD = 0.1;

/** One result on both sides (or one): the medians of its rounds, and how it changed. */
export interface ComparedResult {
  bench: string;
  name: string;
  unit: string;
  better: 'higher' | 'lower';
  /** The working tree's target and whether its median meets it (the last round's verdict). */
  target?: string;
  pass?: boolean;
  /** Every round's value on each side, and their medians (undefined: the side reported no such result). */
  refValues: number[];
  treeValues: number[];
  ref?: number;
  tree?: number;
  /**
   * How much worse the tree is than the ref, as a fraction: for `higher`, 1 − tree/ref; for `lower`, tree/ref − 1
   * (negative: better). Undefined when a side is missing or a median is not above zero (a relative change of a
   * value that can be zero or negative, e.g. an added latency, says nothing).
   */
  worse?: number;
  status: 'regressed' | 'ok' | 'only in ref' | 'only in tree' | 'not comparable';
}

/** The key a result is matched on across the two sides. */
const keyOf = (r: Pick<BenchResult, 'bench' | 'name'>) => `${r.bench}\u0000${r.name}`;

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Sets each result of the ref's rounds beside the tree's (every round's results flattened into one list per side,
 * the same result repeated once per round), in the order they first appear (the tree's first). A result on both
 * sides whose tree median is worse by `threshold` or more is `regressed`; one on a single side is shown, never failed.
 */
export function compareResults(
  ref: readonly BenchResult[],
  tree: readonly BenchResult[],
  threshold = REGRESSION_THRESHOLD,
): ComparedResult[] {
  const rows = new Map<string, ComparedResult>();
  const add = (r: BenchResult, side: 'refValues' | 'treeValues') => {
    let row = rows.get(keyOf(r));
    if (!row) {
      row = { bench: r.bench, name: r.name, unit: r.unit, better: r.better, refValues: [], treeValues: [], status: 'ok' };
      rows.set(keyOf(r), row);
    }
    if (side === 'treeValues') Object.assign(row, { unit: r.unit, better: r.better, target: r.target, pass: r.pass });
    row[side].push(r.value);
  };
  for (const r of tree) add(r, 'treeValues');
  for (const r of ref) add(r, 'refValues');
  for (const row of rows.values()) {
    if (!row.treeValues.length) row.status = 'only in ref';
    else if (!row.refValues.length) row.status = 'only in tree';
    row.ref = row.refValues.length ? median(row.refValues) : undefined;
    row.tree = row.treeValues.length ? median(row.treeValues) : undefined;
    if (row.ref === undefined || row.tree === undefined) continue;
    if (!(row.ref > 0 && row.tree > 0)) {
      row.status = 'not comparable';
      continue;
    }
    row.worse = row.better === 'higher' ? 1 - row.tree / row.ref : row.tree / row.ref - 1;
    // A fall of exactly the threshold fails: 1 − 0.9/1 is 0.0999…98 in floating point, so compare with a margin.
    row.status = row.worse >= threshold - 1e-9 ? 'regressed' : 'ok';
  }
  return [...rows.values()];
}
