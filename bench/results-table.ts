// The tables `npm run bench` prints at the end: every result of the run (bench, result, value, target, verdict),
// or with `--compare REF` both sides and the change. Markdown pipe tables with padded columns, so the same text
// reads in a terminal and pastes into bench/README.md.
import type { ComparedResult } from './compare-results.js';
import type { BenchResult } from './report.js';

/** A value as report() prints it: `2.41x` for a ratio, otherwise the number with its unit. */
export function formatValue(value: number | undefined, unit: string): string {
  if (value === undefined) return '—';
  return unit === 'x' ? `${value.toFixed(2)}x` : `${value.toLocaleString('en', { maximumFractionDigits: 2 })} ${unit}`;
}

/** A Markdown table whose columns are padded to their widest cell (`|` in a cell is escaped). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((r) => r.map((c) => c.replaceAll('|', '\\|')));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

/** The verdict column: PASS or FAIL against the target, or `reported` when there is none. */
const verdict = (r: Pick<BenchResult, 'target' | 'pass'>) => (r.target === undefined ? 'reported' : r.pass ? 'PASS' : 'FAIL');

/** The table of one run: one row per result, in the order reported. */
export function resultsTable(results: readonly BenchResult[]): string {
  return markdownTable(
    ['bench', 'result', 'value', 'target', 'verdict'],
    results.map((r) => [r.bench, r.name, formatValue(r.value, r.unit), r.target ?? '', verdict(r)]),
  );
}

/** The table of a comparison: both medians, the change (+ is better) and the status of each result. */
export function comparisonTable(rows: readonly ComparedResult[], refLabel: string): string {
  const change = (r: ComparedResult) => (r.worse === undefined ? '' : `${r.worse > 0 ? '−' : '+'}${Math.abs(r.worse * 100).toFixed(1)}%`);
  const status = (r: ComparedResult) => (r.status === 'regressed' ? 'REGRESSED' : r.status);
  return markdownTable(
    ['bench', 'result', `ref ${refLabel}`, 'working tree', 'change (− worse)', 'status', 'target (tree)'],
    rows.map((r) => [
      r.bench,
      r.name,
      formatValue(r.ref, r.unit),
      formatValue(r.tree, r.unit),
      change(r),
      status(r),
      r.target === undefined ? '' : `${r.target}: ${r.pass ? 'PASS' : 'FAIL'}`,
    ]),
  );
}
