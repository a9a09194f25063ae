// `npm run build`: a clean, reproducible build of the gateway into dist/ (or the directory given), then its digest.
// Reproducible: the same source and lockfile give the same files, so the same digest (src/kernel/build-digest.ts):
// the output directory is emptied first (no file of an earlier build survives), tsc and esbuild write no time stamps.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const outDir = resolve(process.argv[2] ?? 'dist');
rmSync(outDir, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], {
  stdio: 'inherit',
});
// the client library's types (`oauth3/client`): declarations of src/client only (the gateway's own need none)
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.client-types.json', '--outDir', outDir], {
  stdio: 'inherit',
});

// the one browser script (WebAuthn ceremonies) and the CSS, in dist/public
const pub = join(outDir, 'public');
mkdirSync(pub, { recursive: true });
await build({
  entryPoints: ['src/web/browser/main.ts'],
  bundle: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  outfile: join(pub, 'app.js'),
  logLevel: 'warning',
});
cpSync(require.resolve('@picocss/pico/css/pico.min.css'), join(pub, 'pico.min.css'));
if (existsSync('src/web/css/app.css')) cpSync('src/web/css/app.css', join(pub, 'app.css'));

const { digestOfTree } = await import(join(outDir, 'kernel', 'build-digest.js'));
process.stdout.write(`build digest ${digestOfTree(outDir)} (${outDir})\n`);
