import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (same from src/web and dist/web). */
const root = fileURLToPath(new URL('../../', import.meta.url));
/** Where the bundled browser script and the CSS are served from (/static). */
export const publicDir = join(root, 'dist', 'public');
const sourceDir = join(root, 'src', 'web');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    newest = Math.max(newest, name.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Copies through a temporary file and a rename, so a concurrent reader never sees half a file. */
function copyAtomically(from: string, to: string): void {
  const tmp = `${to}.${process.pid}.${Date.now()}.tmp`;
  copyFileSync(from, tmp);
  renameSync(tmp, to);
}

/**
 * Makes sure dist/public holds app.js, app.css and pico.min.css. In a built install they are there already
 * (scripts/build.mjs); in a source checkout (tests, dev) app.js is bundled with esbuild when missing or
 * older than src/web/browser, written to a temporary file and renamed so parallel starts never see half a file.
 */
export async function ensureBrowserAssets(): Promise<void> {
  mkdirSync(publicDir, { recursive: true });
  const require = createRequire(import.meta.url);
  const pico = join(publicDir, 'pico.min.css');
  if (!existsSync(pico)) copyAtomically(require.resolve('@picocss/pico/css/pico.min.css'), pico);
  const css = join(sourceDir, 'css', 'app.css');
  const cssOut = join(publicDir, 'app.css');
  if (existsSync(css) && (!existsSync(cssOut) || statSync(cssOut).mtimeMs < statSync(css).mtimeMs)) copyAtomically(css, cssOut);
  const entry = join(sourceDir, 'browser', 'main.ts');
  const out = join(publicDir, 'app.js');
  if (!existsSync(entry)) return;
  if (existsSync(out) && statSync(out).mtimeMs >= newestMtime(join(sourceDir, 'browser'))) return;
  const esbuild = await import('esbuild');
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    outfile: tmp,
    logLevel: 'warning',
  });
  renameSync(tmp, out);
}
