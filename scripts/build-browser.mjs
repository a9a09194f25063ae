// Bundles the one browser script (WebAuthn ceremonies) and copies the CSS into dist/public.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const out = 'dist/public';
mkdirSync(out, { recursive: true });
if (existsSync('src/web/browser/main.ts')) {
  await build({
    entryPoints: ['src/web/browser/main.ts'],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    outfile: `${out}/app.js`,
    logLevel: 'warning',
  });
}
cpSync(require.resolve('@picocss/pico/css/pico.min.css'), `${out}/pico.min.css`);
if (existsSync('src/web/css/app.css')) cpSync('src/web/css/app.css', `${out}/app.css`);
