// The gateway as an operator runs it (`npm start`: node dist/cli/main.js), for a bench that measures the process
// itself (bench/memory.bench.ts): through tsx, the TypeScript loader and its transform cache add tens of MB of
// resident memory that no deployment carries. Built from the working tree with scripts/build.mjs into
// node_modules/.cache/oauth3-bench/build-<pid>/dist (under node_modules, so the build resolves the packages), with
// package.json beside it as in the repository.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));

/** A build of the gateway: its main script and where it lies. */
export interface BuiltGateway {
  /** dist/cli/main.js of the build. */
  main: string;
  dist: string;
  /** Compiles a bench module written against ../src/ (e.g. bench/memory-plugin.ts) into the build, importing the build's code; returns its path. */
  addModule(source: string): string;
  remove(): void;
}

/** Builds the working tree (about a minute on a busy machine); the seconds it took are in `seconds`. */
export function buildGateway(): BuiltGateway & { seconds: number } {
  const t0 = performance.now();
  const dir = join(root, 'node_modules', '.cache', 'oauth3-bench', `build-${process.pid}`);
  const dist = join(dir, 'dist');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
  execFileSync(process.execPath, ['scripts/build.mjs', dist], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return {
    main: join(dist, 'cli', 'main.js'),
    dist,
    seconds: (performance.now() - t0) / 1000,
    addModule(source) {
      const ts = readFileSync(fileURLToPath(new URL(source, import.meta.url)), 'utf8').replaceAll("from '../src/", "from './");
      const out = join(dist, `bench-${source.replace(/^.*\//, '').replace(/\.ts$/, '.js')}`);
      writeFileSync(out, transformSync(ts, { loader: 'ts', format: 'esm' }).code);
      return out;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
