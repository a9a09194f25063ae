import { readFileSync } from 'node:fs';

/**
 * How `npm start` runs the gateway: package.json's `start` is `[VAR=value …] node [flags …] dist/cli/main.js serve`;
 * its variables and node flags, so a bench or test runs the process an operator starts.
 */
export function npmStart(): { env: Record<string, string>; nodeArgs: string[] } {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const node = words.indexOf('node');
  const main = words.indexOf('dist/cli/main.js');
  if (node < 0 || main < node) throw new Error(`package.json start: expected "node … dist/cli/main.js serve", got ${pkg.scripts.start}`);
  const env = Object.fromEntries(words.slice(0, node).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { env, nodeArgs: words.slice(node + 1, main) };
}
