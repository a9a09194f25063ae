// The structure check of `npm run lint` (scripts/check-structure.ts) on small trees: each rule is reported, a clean tree passes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkStructure } from '../../scripts/check-structure.js';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));

/** Writes the files under a fresh <tmp>/src and returns that directory. */
function tree(files: Record<string, string>): string {
  const base = mkdtempSync(join(tmpdir(), 'oauth3-structure-'));
  roots.push(base);
  const root = join(base, 'src');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const clean = {
  'errors/index.ts': "export { AppError } from './app-error.js';\n",
  'errors/app-error.ts': 'export class AppError extends Error {}\n',
  'oauth/index.ts': "export { grant } from './grants/grant.js';\n",
  'oauth/grants/grant.ts':
    "import { AppError } from '../../errors/index.js';\nimport type { Client } from '../clients/client.js';\nexport const grant = (c: Client) => new AppError(c.id);\n",
  'oauth/clients/client.ts': 'export type Client = { id: string };\n',
  'server/index.ts': "export const start = async () => (await import('../oauth/index.js')).grant;\n",
  'web/page.tsx': "import { start } from '../server/index.js';\nexport const Page = () => <p>Don't {String(start)}</p>;\n",
};

describe('checkStructure', () => {
  it('passes a clean tree (index imports across folders, free imports inside one)', () => {
    const r = checkStructure(tree(clean));
    expect(r.violations).toEqual([]);
    expect(r).toMatchObject({ files: 7, imports: 6 });
  });

  it('reports a cross-folder import that does not go through the index, type-only and re-exports included', () => {
    const r = checkStructure(
      tree({
        ...clean,
        'server/deep.ts': "import type { Client } from '../oauth/clients/client.js';\nexport type { Client };\n",
        'web/again.ts': "export { AppError } from '../errors/app-error.js';\n",
        'web/typed.ts': "export type C = import('../oauth/clients/client.js').Client;\n",
      }),
    );
    expect(r.violations).toEqual([
      'src/server/deep.ts -> src/oauth/clients/client.ts: cross-folder import must go through src/oauth/index.ts',
      'src/web/again.ts -> src/errors/app-error.ts: cross-folder import must go through src/errors/index.ts',
      'src/web/typed.ts -> src/oauth/clients/client.ts: cross-folder import must go through src/oauth/index.ts',
    ]);
  });

  it('reports a file circle, dynamic import included, with the circle', () => {
    const r = checkStructure(
      tree({
        ...clean,
        'oauth/grants/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
        'oauth/grants/b.ts': "export const b = () => import('../tokens/c.js');\n",
        'oauth/tokens/c.ts': "import { a } from '../grants/a.js';\nexport const c = a;\n",
      }),
    );
    expect(r.violations).toEqual([
      'src/oauth/grants/a.ts -> src/oauth/grants/b.ts: file circle: src/oauth/grants/a.ts -> src/oauth/grants/b.ts -> src/oauth/tokens/c.ts -> src/oauth/grants/a.ts',
      'src/oauth/grants/b.ts -> src/oauth/tokens/c.ts: file circle: src/oauth/grants/b.ts -> src/oauth/tokens/c.ts -> src/oauth/grants/a.ts -> src/oauth/grants/b.ts',
      'src/oauth/tokens/c.ts -> src/oauth/grants/a.ts: file circle: src/oauth/tokens/c.ts -> src/oauth/grants/a.ts -> src/oauth/grants/b.ts -> src/oauth/tokens/c.ts',
    ]);
  });

  it('reports a circle between top-level folders even without a file circle', () => {
    const r = checkStructure(
      tree({
        ...clean,
        // server/index.ts -> oauth/index.ts (dynamic, in clean); oauth -> server through a file no one in server imports
        'oauth/endpoints/routes.ts': "import type { start } from '../../server/index.js';\nexport type Start = typeof start;\n",
      }),
    );
    expect(r.violations).toEqual([
      'src/oauth/endpoints/routes.ts -> src/server/index.ts: folder circle: oauth -> server -> oauth',
      'src/server/index.ts -> src/oauth/index.ts: folder circle: server -> oauth -> server',
    ]);
  });

  it('treats a file directly in src/ as its own folder', () => {
    const r = checkStructure(
      tree({ ...clean, 'main.ts': "import { start } from './server/build.js';\n", 'server/build.ts': "import '../main.js';\n" }),
    );
    expect(r.violations).toEqual([
      'src/main.ts -> src/server/build.ts: cross-folder import must go through src/server/index.ts',
      'src/main.ts -> src/server/build.ts: file circle: src/main.ts -> src/server/build.ts -> src/main.ts',
      'src/main.ts -> src/server/build.ts: folder circle: main.ts -> server -> main.ts',
      'src/server/build.ts -> src/main.ts: file circle: src/server/build.ts -> src/main.ts -> src/server/build.ts',
      'src/server/build.ts -> src/main.ts: folder circle: server -> main.ts -> server',
    ]);
  });
});
