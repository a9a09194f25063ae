import { InvalidGrant, InvalidTarget } from '../../errors/index.js';
import { canonicalResource, type AppContext } from '../../kernel/index.js';
import { preparedQuery } from '../../store/index.js';
import { refreshTokenKey } from '../tokens/refresh-token-key.js';
import { revokeFamilies } from '../tokens/revoke-families.js';
import type { GrantRequest } from './grant-descriptor.js';

/**
 * What the grants share (as node-oidc-provider's lib/helpers/grant_common.js): resource narrowing, reuse
 * detection and the refresh-token lookup. Scope narrowing is the scopes domain's `narrowScopes`.
 */

/**
 * RFC 8707 §2.2 narrowing: the `resource` parameters (canonicalised) if each is among `granted`, else all of
 * `granted`. Throws InvalidTarget naming what was not granted.
 */
export function narrowResources(granted: readonly string[], requested: readonly string[], what = 'resource not authorized'): string[] {
  if (requested.length === 0) return [...granted];
  const audience = [...new Set(requested.map(canonicalResource))];
  const outside = audience.filter((r) => !granted.includes(r));
  if (outside.length) throw new InvalidTarget(`${what}: ${outside.join(' ')}`);
  return audience;
}

/**
 * A replayed code or rotated refresh token (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2): revokes the families it was
 * issued into and records the replay, in one transaction. Returns the InvalidGrant to throw.
 */
export async function reuseDetected(
  req: Pick<GrantRequest, 'ctx' | 'client' | 'ip' | 'userAgent'>,
  o: { families: string[]; userId: string | null; grantId: string | null; what: 'authorization_code' | 'refresh_token'; message: string },
): Promise<InvalidGrant> {
  const { ctx, client } = req;
  await ctx.db.transaction().execute(async (trx) => {
    await revokeFamilies(ctx, trx, o.families);
    await ctx.audit.record(trx, {
      action: 'oauth.token.reuse_detected',
      result: 'failure',
      actor: { type: 'client', id: client.clientId },
      userId: o.userId,
      target: { type: 'grant', id: o.grantId },
      ip: req.ip,
      userAgent: req.userAgent,
      detail: { what: o.what, family: o.families[0] ?? null },
    });
  });
  return new InvalidGrant(o.message);
}

const findRefresh = preparedQuery(['id', 'hash'], (db, slot) =>
  db
    .selectFrom('oauth_refresh_tokens as r')
    .innerJoin('oauth_families as f', 'f.id', 'r.family_id')
    .select([
      'r.id',
      'r.family_id',
      'r.expires_at',
      'r.used_at',
      'f.client_id',
      'f.user_id',
      'f.grant_id',
      'f.scope',
      'f.resource',
      'f.revoked_at',
    ])
    .where('r.id', '=', slot('id'))
    .where('r.token_hash', '=', slot('hash')),
);

/** A refresh token's row with its family's (the rotation, /revoke and /introspect read the same). */
export type RefreshRow = NonNullable<Awaited<ReturnType<typeof findRefresh>>['rows'][number]>;

/** The row of a presented refresh token, or undefined when it is none of ours. */
export async function findRefreshRow(ctx: Pick<AppContext, 'db'>, token: string): Promise<RefreshRow | undefined> {
  const key = refreshTokenKey(token);
  return key ? (await findRefresh(ctx.db, key)).rows[0] : undefined;
}

/** Refuses a refresh row of another client, of a revoked family, or expired. */
export function checkRefreshRow(row: RefreshRow | undefined, clientId: string): RefreshRow {
  if (!row || row.client_id !== clientId) throw new InvalidGrant('the refresh token is invalid or was issued to another client');
  if (row.revoked_at !== null) throw new InvalidGrant('the refresh token was revoked');
  if (Number(row.expires_at) <= Date.now()) throw new InvalidGrant('the refresh token expired');
  return row;
}
