import type { FastifyInstance } from 'fastify';

/** One route of an app: its method and its URL pattern (`:name` parameters, `*` wildcards) as Fastify holds it. */
export interface ListedRoute {
  method: string;
  url: string;
}

/**
 * Every route the app serves, read from Fastify's own route tree (`printRoutes`), so a test can cover every
 * endpoint without keeping a list that falls behind: each line of the tree is a segment (indented four columns a
 * level) with its methods in parentheses; a route's URL is its segments from the root joined.
 */
export function listRoutes(app: FastifyInstance): ListedRoute[] {
  const out: ListedRoute[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:[│ ]   |[├└]── )*)(.+?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!m || !m[2]!.trim()) continue;
    const depth = [...m[1]!].length / 4;
    stack.length = depth - 1;
    stack.push(m[2]!);
    if (m[3]) for (const method of m[3].split(', ')) out.push({ method, url: stack.join('') });
  }
  return out;
}
