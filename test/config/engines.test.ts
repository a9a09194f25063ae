import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'));
const lock = read('package-lock.json') as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };
const pkg = read('package.json') as { engines: { node: string } };

/** The oldest release of each Node line the README names (20.19+ and 22; 22.13 is what the toolchain asks of 22). */
const supported = ['20.19.0', '22.13.0'];

describe('every installed package runs on the Node versions oauth3 supports (no EBADENGINE)', () => {
  it('package.json engines names exactly those lines', () => {
    for (const v of supported) expect(semver.satisfies(v, pkg.engines.node), `${v} in ${pkg.engines.node}`).toBe(true);
    for (const v of ['18.20.0', '20.18.0', '21.7.0'])
      expect(semver.satisfies(v, pkg.engines.node), `${v} in ${pkg.engines.node}`).toBe(false);
  });

  it("each package-lock.json entry's engines.node accepts them", () => {
    const refused: string[] = [];
    let checked = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined; // an old array form names no Node
      if (!path || !range) continue;
      checked++;
      for (const v of supported) if (!semver.satisfies(v, range)) refused.push(`${path}@${entry.version} needs node ${range}, not ${v}`);
    }
    expect(checked).toBeGreaterThan(50); // the lockfile was read, not an empty one
    expect(refused).toEqual([]);
  });
});
