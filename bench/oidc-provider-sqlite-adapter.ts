// A durable storage adapter for node-oidc-provider on SQLite (better-sqlite3), for the token-endpoint bench's
// peer: the same durability oauth3 gives by default (WAL, synchronous = NORMAL, every write committed before the
// provider answers). It follows the adapter interface oidc-provider documents (upsert, find, findByUid,
// findByUserCode, consume, destroy, revokeByGrantId) the way its published SQL adapters do: one row per model
// instance, JSON payload, indexed grant, uid and user-code columns, prepared statements, one statement per call.
import Database from 'better-sqlite3';

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string; consumed?: number };

/** Opens (creating) the database file and returns the adapter class oidc-provider instantiates per model. */
export function sqliteAdapter(file: string): new (model: string) => object {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`create table if not exists oidc_models (
    model text not null, id text not null, payload text not null, grant_id text, uid text, user_code text,
    expires_at integer, consumed_at integer, primary key (model, id));
    create index if not exists oidc_models_grant on oidc_models (grant_id) where grant_id is not null;
    create index if not exists oidc_models_uid on oidc_models (uid) where uid is not null;
    create index if not exists oidc_models_user_code on oidc_models (user_code) where user_code is not null;`);
  const upsert = db.prepare(`insert into oidc_models (model, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
    values (?, ?, ?, ?, ?, ?, ?, null) on conflict (model, id) do update set payload = excluded.payload,
    grant_id = excluded.grant_id, uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`);
  const find = db.prepare('select payload, expires_at, consumed_at from oidc_models where model = ? and id = ?');
  const findBy = (column: string) =>
    db.prepare(`select payload, expires_at, consumed_at from oidc_models where model = ? and ${column} = ? and ${column} is not null`);
  const byUid = findBy('uid');
  const byUserCode = findBy('user_code');
  const consume = db.prepare('update oidc_models set consumed_at = ? where model = ? and id = ?');
  const destroy = db.prepare('delete from oidc_models where model = ? and id = ?');
  const revoke = db.prepare('delete from oidc_models where grant_id = ? and grant_id is not null');

  const read = (row: unknown): Payload | undefined => {
    const r = row as { payload: string; expires_at: number | null; consumed_at: number | null } | undefined;
    if (!r || (r.expires_at !== null && r.expires_at <= Date.now())) return undefined;
    const payload = JSON.parse(r.payload) as Payload;
    return r.consumed_at === null ? payload : { ...payload, consumed: r.consumed_at };
  };

  return class SqliteAdapter {
    constructor(private readonly model: string) {}
    async upsert(id: string, payload: Payload, expiresIn?: number) {
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : null;
      upsert.run(
        this.model,
        id,
        JSON.stringify(payload),
        payload.grantId ?? null,
        payload.uid ?? null,
        payload.userCode ?? null,
        expiresAt,
      );
    }
    async find(id: string) {
      return read(find.get(this.model, id));
    }
    async findByUid(uid: string) {
      return read(byUid.get(this.model, uid));
    }
    async findByUserCode(userCode: string) {
      return read(byUserCode.get(this.model, userCode));
    }
    async consume(id: string) {
      consume.run(Math.floor(Date.now() / 1000), this.model, id);
    }
    async destroy(id: string) {
      destroy.run(this.model, id);
    }
    async revokeByGrantId(grantId: string) {
      revoke.run(grantId);
    }
  };
}
