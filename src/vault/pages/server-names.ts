import type { Executor } from '../../store/index.js';
import { findClient } from '../../oauth/index.js';

/**
 * The names people know servers by, for the pages: an API key's name (`apikey:<id>`), an OAuth client's name
 * (`client:<client_id>`, `agent:<client_id>`: the token exchange). A server no longer known keeps a plain label.
 */
export async function serverNames(db: Executor, servers: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set(servers)];
  const keyIds = wanted.filter((s) => s.startsWith('apikey:')).map((s) => s.slice('apikey:'.length));
  const keys = keyIds.length
    ? await db.selectFrom('vault_api_keys').select(['id', 'name', 'revoked_at']).where('id', 'in', keyIds).execute()
    : [];
  const byKey = new Map(keys.map((k) => [k.id, k.revoked_at === null ? k.name : `${k.name} (key revoked)`]));
  const out = new Map<string, string>();
  for (const s of wanted) {
    const [kind, ...rest] = s.split(':');
    const id = rest.join(':');
    if (kind === 'apikey') out.set(s, byKey.get(id) ?? 'a removed API key');
    else if (kind === 'client' || kind === 'agent') out.set(s, (await findClient(db, id))?.name ?? 'a removed app');
    else out.set(s, s);
  }
  return out;
}
