// What the gateway loads when it starts: a heavy dependency only some requests or commands need is imported at its
// first use, so that a gateway that never uses it does not carry its resident memory (bench/memory.bench.ts). Each
// case imports an entry point in a fresh process (through tsx) with a resolve hook that prints every file it
// resolves under node_modules, and checks which packages were loaded.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

// Registered after tsx, so it sees what tsx resolves too.
const hook = `data:text/javascript,${encodeURIComponent(`
  import { register } from 'node:module';
  register('data:text/javascript,' + encodeURIComponent(\`
    import { writeSync } from 'node:fs';
    export async function resolve(spec, context, next) {
      const r = await next(spec, context);
      if (r.url.includes('/node_modules/')) writeSync(2, 'resolved ' + r.url + '\\\\n');
      return r;
    }\`));
`)}`;

/** The packages (`name` or `@scope/name`) a fresh process loads importing `entry` (as `m`) and then running `then`. */
function packagesLoaded(entry: string, then = ''): Set<string> {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(root + entry).href)}); ${then}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', hook, '--input-type=module', '-e', script], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`importing ${entry} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const names = new Set<string>();
  for (const m of r.stderr.matchAll(/^resolved .*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) names.add(m[1]!);
  return names;
}

describe('what the gateway imports when it starts', () => {
  it('the server and `oauth3 serve` load fastify, not the MCP SDK nor the dstack SDK', () => {
    for (const entry of ['src/server/index.ts', 'src/cli/serve.ts']) {
      const loaded = packagesLoaded(entry);
      expect(loaded, entry).toContain('fastify'); // the hook does see the packages
      expect(loaded, entry).not.toContain('@modelcontextprotocol/sdk');
      expect(loaded, entry).not.toContain('@phala/dstack-sdk');
    }
  }, 120_000);

  it('the MCP SDK is loaded by its loader, at first use', () => {
    expect(packagesLoaded('src/proxy/mcp/index.ts', 'await m.mcpSdk();')).toContain('@modelcontextprotocol/sdk');
  }, 60_000);

  it('the client library (which the gateway loads for its attestation) loads the MCP SDK only when a bridge starts', () => {
    expect(packagesLoaded('src/client/index.ts')).not.toContain('@modelcontextprotocol/sdk');
  }, 60_000);
});
