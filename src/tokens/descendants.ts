import type { Executor } from '../store/index.js';
import type { RevocableId } from '../kernel/index.js';

const CHUNK = 500;

async function select(db: Executor, column: 'jti' | 'grant_id' | 'parent_jti', ids: string[]): Promise<RevocableId[]> {
  const out: RevocableId[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db
      .selectFrom('access_tokens')
      .select(['jti', 'expires_at'])
      .where(column, 'in', ids.slice(i, i + CHUNK))
      .execute();
    for (const r of rows) out.push({ id: r.jti, expiresAt: Number(r.expires_at) });
  }
  return out;
}

/**
 * Every access token in the given trees: the tokens named, the tokens of the given grants, and everything
 * exchanged from any of them (following `parent_jti`, breadth first, each token once).
 */
export async function findTokenTree(db: Executor, roots: { jtis?: string[]; grantIds?: string[] }): Promise<RevocableId[]> {
  const seen = new Map<string, RevocableId>();
  let frontier: RevocableId[] = [
    ...(roots.jtis?.length ? await select(db, 'jti', roots.jtis) : []),
    ...(roots.grantIds?.length ? await select(db, 'grant_id', roots.grantIds) : []),
  ];
  while (frontier.length) {
    const fresh = frontier.filter((t) => !seen.has(t.id));
    for (const t of fresh) seen.set(t.id, t);
    frontier = fresh.length
      ? await select(
          db,
          'parent_jti',
          fresh.map((t) => t.id),
        )
      : [];
  }
  return [...seen.values()];
}
