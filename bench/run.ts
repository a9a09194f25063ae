// `npm run bench`: runs the benchmarks in bench/ (files named *.bench.ts), one after the other, each in its own
// process; gathers every result they report (bench/report.ts) into one table, printed at the end and written as JSON.
//
//   npm run bench -- [FILTER] [--quick] [--json=PATH] [--compare=REF] [--compare-rounds=N] [--any-bench-argument…]
//
// FILTER keeps the benches whose file name contains it (or, `a,b`, any of them). `--quick` is passed to every bench
// (shorter runs: a whole table in bounded time); so is every other argument (e.g. `--seconds=1`; each bench reads
// the ones it knows). The JSON goes to `--json=PATH`, by default bench/results/latest.json (with --compare:
// compare.json; neither is committed: bench/README.md keeps the results worth keeping, with their conditions). Exit 1 when a target is missed or a bench fails.
//
// `--compare=REF` (or `--compare REF`): REF is checked out in a temporary git worktree (bench/ref-worktree.ts), and
// each bench runs for REF and for the working tree in turn, `--compare-rounds` times (default 2: ref, tree, ref,
// tree), before the next bench. The table sets the medians side by side (bench/compare-results.ts); exit 1 when a
// result on both sides is 10% or more worse in the working tree, exit 2 when REF's benches report nothing (they
// predate report()), so there is nothing to compare.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareResults, REGRESSION_THRESHOLD } from './compare-results.js';
import { RESULTS_FILE_ENV, type BenchResult } from './report.js';
import { addRefWorktree, type RefWorktree } from './ref-worktree.js';
import { comparisonTable, resultsTable } from './results-table.js';

const root = fileURLToPath(new URL('../', import.meta.url));

/** The command line: the filter, run.ts's own options, and what is passed on to every bench. */
function parseArgs(argv: readonly string[]) {
  const out = {
    filter: undefined as string | undefined,
    json: undefined as string | undefined,
    compare: undefined as string | undefined,
    rounds: 2,
    pass: [] as string[],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--json=')) out.json = resolve(a.slice('--json='.length));
    else if (a === '--compare') out.compare = argv[++i];
    else if (a.startsWith('--compare=')) out.compare = a.slice('--compare='.length);
    else if (a.startsWith('--compare-rounds=')) out.rounds = Number(a.slice('--compare-rounds='.length));
    else if (a.startsWith('-')) out.pass.push(a);
    else if (out.filter === undefined) out.filter = a;
    else throw new Error(`${a}: one filter only (the benches whose file name contains it; a,b for either)`);
  }
  if (out.compare === '' || (argv.includes('--compare') && out.compare === undefined)) throw new Error('--compare needs a git ref');
  if (!Number.isInteger(out.rounds) || out.rounds < 1) throw new Error('--compare-rounds must be a whole number, at least 1');
  return out;
}

/** The benches in a tree's bench/ that the filter keeps, sorted by name. */
function benchFiles(tree: string, filter: string | undefined): string[] {
  const dir = join(tree, 'bench');
  const parts = filter?.split(',').filter(Boolean) ?? [];
  const kept = (f: string) => f.endsWith('.bench.ts') && (!parts.length || parts.some((p) => f.includes(p)));
  return existsSync(dir) ? readdirSync(dir).filter(kept).sort() : [];
}

/** Ctrl-C during a bench: the run stops (exit 130) after cleaning up. */
class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** What one run of one bench gave. */
interface BenchRun {
  file: string;
  side?: 'ref' | 'tree';
  round?: number;
  exitCode: number | null;
  seconds: number;
  results: BenchResult[];
}

/** Runs one bench file of `tree` in its own process (its output shown as it comes), collecting what it reports. */
function runBench(tree: string, file: string, args: readonly string[]): Omit<BenchRun, 'side' | 'round'> {
  const scratch = mkdtempSync(join(tmpdir(), 'oauth3-bench-results-'));
  const resultsFile = join(scratch, 'results.jsonl');
  const t0 = performance.now();
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${file}`, ...args], {
      cwd: tree,
      stdio: 'inherit',
      env: { ...process.env, [RESULTS_FILE_ENV]: resultsFile },
    });
    if (r.signal === 'SIGINT' || r.status === 130) throw new Interrupted();
    const lines = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean) : [];
    return {
      file,
      exitCode: r.status,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      results: lines.map((l) => JSON.parse(l) as BenchResult),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The commit of the working tree and whether it has uncommitted changes (undefined outside git). */
function treeCommit(): { commit?: string; dirty?: boolean } {
  const git = (args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const head = git(['rev-parse', 'HEAD']);
  if (head.status !== 0) return {};
  return { commit: head.stdout.trim(), dirty: git(['status', '--porcelain', '--', 'src', 'bench']).stdout.trim() !== '' };
}

/** What the JSON says about the machine and the run, besides the results. */
function environment(args: readonly string[], loadStart: number[]) {
  return {
    date: new Date().toISOString(),
    ...treeCommit(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadavg: { start: loadStart, end: loadavg() },
    args,
  };
}

const exitCodeNote = (runs: readonly BenchRun[]) =>
  runs
    .filter((r) => r.exitCode !== 0)
    .map(
      (r) =>
        `${r.side ? `${r.side} ` : ''}${r.file} exited with ${r.exitCode ?? 'a signal'}${r.results.length ? '' : ' and reported nothing'}`,
    );

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
  console.log(`\nwritten: ${path}`);
}

const loadText = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** One run of the working tree's benches: the table, the JSON; 1 if a target was missed or a bench failed. */
function runTable(o: ReturnType<typeof parseArgs>): number {
  const loadStart = loadavg();
  const runs: BenchRun[] = [];
  for (const f of benchFiles(root, o.filter)) {
    process.stdout.write(`\n== ${f}\n`);
    runs.push(runBench(root, f, o.pass));
  }
  const results = runs.flatMap((r) => r.results);
  console.log(
    `\n== every result (${runs.length} benches, ${runs.reduce((s, r) => s + r.seconds, 0).toFixed(0)} s; load average ${loadText()} on ${cpus().length} CPUs)\n`,
  );
  console.log(results.length ? resultsTable(results) : 'no results reported');
  for (const n of exitCodeNote(runs)) console.log(`note: ${n}`);
  writeJson(o.json ?? join(root, 'bench/results/latest.json'), {
    ...environment(process.argv.slice(2), loadStart),
    benches: runs.map(({ results: r, ...run }) => ({ ...run, results: r.length })),
    results,
  });
  return runs.some((r) => r.exitCode !== 0) || results.some((r) => r.pass === false) ? 1 : 0;
}

/** The ref and the working tree, bench by bench, interleaved: the comparison table, the JSON; 0, 1 (a fall) or 2. */
function runComparison(o: ReturnType<typeof parseArgs>, ref: string): number {
  const loadStart = loadavg();
  let worktree: RefWorktree | undefined;
  const cleanUp = () => worktree?.remove();
  // Ctrl-C stops the bench running (its process group gets the signal); this process, blocked in spawnSync, stays
  // to see that (runBench throws Interrupted) and remove the worktree on the way out.
  process.on('SIGINT', () => undefined);
  try {
    worktree = addRefWorktree(root, ref);
    const label = `${ref} (${worktree.commit.slice(0, 7)})`;
    if (!existsSync(join(worktree.dir, 'bench/report.ts'))) {
      console.log(`cannot compare: ${label} has no bench/report.ts (its benches predate report() and report nothing); exit 2`);
      return 2;
    }
    const refFiles = new Set(benchFiles(worktree.dir, o.filter));
    const treeFiles = new Set(benchFiles(root, o.filter));
    const files = [...new Set([...refFiles, ...treeFiles])].sort();
    const runs: BenchRun[] = [];
    for (const f of files)
      for (let round = 1; round <= o.rounds; round++)
        for (const [side, dir, has] of [
          ['ref', worktree.dir, refFiles.has(f)],
          ['tree', root, treeFiles.has(f)],
        ] as const) {
          if (!has) continue;
          process.stdout.write(`\n== ${f}: ${side === 'ref' ? `ref ${label}` : 'working tree'}, round ${round} of ${o.rounds}\n`);
          runs.push({ ...runBench(dir, f, o.pass), side, round });
        }
    const refResults = runs.filter((r) => r.side === 'ref').flatMap((r) => r.results);
    const treeResults = runs.filter((r) => r.side === 'tree').flatMap((r) => r.results);
    const rows = compareResults(refResults, treeResults);
    console.log(
      `\n== ${label} against the working tree: ${files.length} benches, ${o.rounds} interleaved rounds each (medians), load average ${loadText()} on ${cpus().length} CPUs\n`,
    );
    console.log(rows.length ? comparisonTable(rows, label) : 'no results reported on either side');
    for (const n of exitCodeNote(runs)) console.log(`note: ${n}`);
    const regressed = rows.filter((r) => r.status === 'regressed');
    writeJson(o.json ?? join(root, 'bench/results/compare.json'), {
      ...environment(process.argv.slice(2), loadStart),
      compare: { ref, commit: worktree.commit, rounds: o.rounds, threshold: REGRESSION_THRESHOLD },
      benches: runs.map(({ results: r, ...run }) => ({ ...run, results: r.length })),
      results: { ref: refResults, tree: treeResults },
      comparison: rows,
    });
    if (!refResults.length) {
      console.log(`\ncannot compare: the benches of ${label} reported no result (they predate bench/report.ts, or failed); exit 2`);
      return 2;
    }
    console.log(
      regressed.length
        ? `\n${regressed.length} result(s) ${REGRESSION_THRESHOLD * 100}% or more worse than ${label}: ${regressed.map((r) => `${r.bench}: ${r.name}`).join('; ')}`
        : `\nno result ${REGRESSION_THRESHOLD * 100}% or more worse than ${label}`,
    );
    return regressed.length ? 1 : 0;
  } finally {
    cleanUp();
  }
}

// Exit 2 for a command line or a ref that cannot be used (nothing was compared), with the reason on one line.
let code: number;
try {
  const options = parseArgs(process.argv.slice(2));
  code = options.compare === undefined ? runTable(options) : runComparison(options, options.compare);
} catch (e) {
  console.error(`npm run bench: ${(e as Error).message}`);
  code = e instanceof Interrupted ? 130 : 2;
}
process.exit(code);
