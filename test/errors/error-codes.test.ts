import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinModules } from '../../src/server/index.js';
import { createRegistries } from '../../src/kernel/index.js';

const root = new URL('../../', import.meta.url).pathname;

/** Every .ts/.tsx file under src/, with its text. */
function sources(dir = join(root, 'src')): Array<{ path: string; text: string }> {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [{ path, text: readFileSync(path, 'utf8') }] : [];
  });
}

const codes = builtinModules.flatMap((m) => (m.errorCodes ?? []).map((e) => ({ ...e, module: m.name })));
/** The rows of docs/errors.md: `| code | module | status | message |`. */
const documented = readFileSync(join(root, 'docs/errors.md'), 'utf8')
  .split('\n')
  .map((l) => /^\| `(ERR_[A-Z0-9_]+)` \| (\w+) \| (\d+) \| (.*) \|$/.exec(l))
  .filter((m): m is RegExpExecArray => !!m)
  .map((m) => ({ code: m[1], module: m[2], status: Number(m[3]) }));

describe('error codes', () => {
  it('documents every code of every module in docs/errors.md, with its module and status', () => {
    for (const c of codes)
      expect(documented, `docs/errors.md and ${c.code}`).toContainEqual({ code: c.code, module: c.module, status: c.status });
  });

  it('documents no code that does not exist', () => {
    const known = new Set(codes.map((c) => c.code));
    expect(documented.filter((d) => !known.has(d.code)).map((d) => d.code)).toEqual([]);
    expect(documented.length).toBe(codes.length);
  });

  it("carries its domain: a module's codes start with ERR_<MODULE>_, except the gateway's generic HTTP ones", () => {
    for (const c of codes.filter((c) => c.module !== 'gateway')) expect(c.code).toMatch(new RegExp(`^ERR_${c.module.toUpperCase()}_`));
  });

  it('declares no code that nothing uses', () => {
    const files = sources();
    for (const c of codes) {
      const users = files.filter((f) => !/-errors\.ts$|http-error-codes\.ts$/.test(f.path) && new RegExp(`\\b${c.code}\\b`).test(f.text));
      expect(users.length, `${c.code} is used nowhere in src/`).toBeGreaterThan(0);
    }
  });

  it('refuses the same code declared by two modules, and a malformed code', () => {
    const r = createRegistries();
    r.errorCodes.declare({ code: 'ERR_A_X', status: 400, message: 'x' }, 'a');
    expect(() => r.errorCodes.declare({ code: 'ERR_A_X', status: 400, message: 'x' }, 'b')).toThrow(
      'error code ERR_A_X is already declared by a',
    );
    expect(() => r.errorCodes.declare({ code: 'bad', status: 400, message: 'x' }, 'a')).toThrow('must match');
  });
});
