import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../support/loaded-packages.ts', import.meta.url));

/** The npm packages a gateway on SQLite has loaded after answering these kinds of request (in its own process). */
function loadedPackages(...requests: string[]): string[] {
  return JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', script, ...requests], { encoding: 'utf8', timeout: 100_000 }),
  ) as string[];
}

// Each package is a few MB of heap for as long as the process runs: a gateway that never uses one must not load it
// (bench/README.md, "Memory").
describe('packages a gateway on SQLite does not load', () => {
  it('loads neither the PostgreSQL driver nor the TDX quote verifier, also after serving its attestation and docs', () => {
    const loaded = loadedPackages('health', 'attestation', 'docs');
    // the listing sees what the gateway did load (so the absences below mean something)
    expect(loaded).toEqual(expect.arrayContaining(['better-sqlite3', 'fastify', 'undici']));
    expect(loaded).not.toContain('pg');
    expect(loaded).not.toContain('@phala/dcap-qvl');
    expect(loaded).not.toContain('elliptic');
  }, 120_000);
});
