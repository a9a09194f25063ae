import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The digest of a build directory: SHA-256 over every file's path (relative, with '/') and SHA-256, in sorted path
 * order: `sha256:<hex>`. `npm run build` is reproducible (scripts/build.mjs), so anyone can rebuild a release from its
 * source and lockfile and compare this with what a gateway (in /health, its attestation, `oauth3 --version`) says it runs.
 */
export function digestOfTree(root: string): string {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) files.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(root);
  const all = createHash('sha256');
  for (const f of files.sort()) {
    all.update(
      `${f}\0${createHash('sha256')
        .update(readFileSync(join(root, f)))
        .digest('hex')}\n`,
    );
  }
  return `sha256:${all.digest('hex')}`;
}

let memo: string | null | undefined;

/**
 * The digest of the build this process runs (the `dist/` this file was loaded from, computed once, from the files
 * on disk rather than a recorded value); null when it runs from source (tests, `tsx`), which no digest describes.
 */
export function buildDigest(): string | null {
  if (memo === undefined) {
    const here = fileURLToPath(import.meta.url);
    memo = here.endsWith('.ts') ? null : digestOfTree(dirname(dirname(here)));
  }
  return memo;
}
