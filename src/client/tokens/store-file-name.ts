import { createHash } from 'node:crypto';

/**
 * The file name of the login for `issuer` and `resource`: a readable part (the issuer's host, port and path) and a
 * short hash of both, e.g. `localhost_8000-3f2a91.json`, so two resources of one issuer get two files.
 */
export function storeFileName(issuer: string, resource?: string): string {
  let readable: string;
  try {
    const u = new URL(issuer);
    readable = `${u.hostname}${u.port ? `_${u.port}` : ''}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    readable = issuer;
  }
  readable =
    readable
      .replace(/[^A-Za-z0-9.-]+/g, '_')
      .replace(/^[_.]+|_+$/g, '')
      .slice(0, 60) || 'server';
  const hash = createHash('sha256')
    .update(`${issuer}\n${resource ?? ''}`)
    .digest('hex')
    .slice(0, 6);
  return `${readable}-${hash}.json`;
}
