import { describe, expect, it } from 'vitest';
import { compareResults, median } from '../../bench/compare-results.js';
import type { BenchResult } from '../../bench/report.js';
import { comparisonTable, resultsTable } from '../../bench/results-table.js';

// `npm run bench -- --compare REF` fails when a result on both sides is 10% or more worse in the working tree, in
// the direction its bench says is better; a result on one side only is shown, never failed.
const result = (name: string, value: number, o: Partial<BenchResult> = {}): BenchResult => ({
  bench: 'token-endpoint',
  name,
  value,
  unit: 'x',
  better: 'higher',
  ...o,
});
const one = (ref: BenchResult[], tree: BenchResult[]) => {
  const rows = compareResults(ref, tree);
  expect(rows).toHaveLength(1);
  return rows[0]!;
};

describe('comparing bench results of a ref and the working tree', () => {
  it('fails a ratio that falls 10%, passes one that falls 9%', () => {
    const ten = one([result('cc', 2)], [result('cc', 1.8)]);
    expect(ten.status).toBe('regressed');
    expect(ten.worse).toBeCloseTo(0.1);
    const nine = one([result('cc', 2)], [result('cc', 1.82)]);
    expect(nine.status).toBe('ok');
    expect(nine.worse).toBeCloseTo(0.09);
    // a fall of exactly 10% of 1 (1 − 0.9 is 0.0999… in floating point) fails too
    expect(one([result('cc', 1)], [result('cc', 0.9)]).status).toBe('regressed');
  });

  it('handles lower-is-better: a value 10% higher fails, 9% higher passes, lower is an improvement', () => {
    const lower = { unit: 'µs', better: 'lower' as const };
    expect(one([result('verify', 100, lower)], [result('verify', 110, lower)]).status).toBe('regressed');
    expect(one([result('verify', 100, lower)], [result('verify', 109, lower)]).status).toBe('ok');
    const faster = one([result('verify', 100, lower)], [result('verify', 50, lower)]);
    expect(faster.status).toBe('ok');
    expect(faster.worse).toBeCloseTo(-0.5);
    // and a higher-is-better value that rose is not a regression either
    expect(one([result('cc', 2)], [result('cc', 3)]).status).toBe('ok');
  });

  it('compares the medians of the rounds, not the last round', () => {
    const row = one([result('cc', 2.0), result('cc', 2.2), result('cc', 1.0)], [result('cc', 1.5), result('cc', 2.1), result('cc', 2.05)]);
    expect(row.ref).toBe(2.0);
    expect(row.tree).toBe(2.05);
    expect(row.status).toBe('ok');
    expect(median([1, 3, 2, 4])).toBe(2.5);
  });

  it('shows a result missing on one side without failing it', () => {
    const rows = compareResults([result('gone', 2), result('kept', 2)], [result('kept', 2), result('new', 1)]);
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(by.gone!.status).toBe('only in ref');
    expect(by.gone!.tree).toBeUndefined();
    expect(by.new!.status).toBe('only in tree');
    expect(by.new!.ref).toBeUndefined();
    expect(by.kept!.status).toBe('ok');
    expect(rows.some((r) => r.status === 'regressed')).toBe(false);
    const table = comparisonTable(rows, 'HEAD (abc1234)');
    expect(table).toMatch(/\| gone +\| 2\.00x +\| — +\|.*only in ref/);
    expect(table).toMatch(/\| new +\| — +\| 1\.00x +\|.*only in tree/);
  });

  it('matches results by bench and name: the same name in two benches is two results', () => {
    const rows = compareResults([result('x', 2, { bench: 'vault' })], [result('x', 1, { bench: 'proxy' })]);
    expect(rows.map((r) => r.status).sort()).toEqual(['only in ref', 'only in tree']);
  });

  it('does not judge a value at or below zero (an added latency may be negative), but shows it', () => {
    const ms = { unit: 'ms', better: 'lower' as const };
    const row = one([result('added p99', -0.5, ms)], [result('added p99', 1.5, ms)]);
    expect(row.status).toBe('not comparable');
    expect(row.worse).toBeUndefined();
  });

  it("keeps the working tree's target and verdict, and the table shows the change and REGRESSED", () => {
    const row = one([result('cc', 2, { target: '>= 2x', pass: true })], [result('cc', 1.5, { target: '>= 2x', pass: false })]);
    expect(row).toMatchObject({ target: '>= 2x', pass: false, status: 'regressed' });
    expect(comparisonTable([row], 'main')).toMatch(/\| 2\.00x +\| 1\.50x +\| −25\.0% +\| REGRESSED +\| >= 2x: FAIL +\|/);
  });

  it('prints one run as a table of bench, result, value, target and verdict', () => {
    const table = resultsTable([
      result('cc', 2.5, { target: '>= 2x', pass: true }),
      result('reencrypt on SQLite', 12345.6, { bench: 'vault', unit: 'rows/s', target: '>= 10,000 rows/s', pass: true }),
      result('cpu | per request', 1.2),
    ]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^\| bench +\| result +\| value +\| target +\| verdict +\|$/);
    expect(lines[2]).toMatch(/\| token-endpoint \| cc +\| 2\.50x +\| >= 2x +\| PASS +\|/);
    expect(lines[3]).toMatch(/\| 12,345\.6 rows\/s \|/);
    expect(lines[4]).toMatch(/cpu \\\| per request.*\| reported \|/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1); // padded columns
  });
});
