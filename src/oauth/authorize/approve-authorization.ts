import type { AppContext, GrantFormPart } from '../../kernel/index.js';
import type { Executor } from '../../store/index.js';
import { randomId, randomToken, sha256 } from '../../crypto/index.js';
import { responseRedirect, type AuthorizationRequest } from './authorization-request.js';

interface Meta {
  ip: string;
  userAgent?: string;
  /** When the person signed in (epoch ms), for the ID token's `auth_time`. */
  authTime?: number;
}

const resourceKey = (req: AuthorizationRequest) =>
  req.resources
    .map((r) => r.url)
    .sort()
    .join(' ');

/** The person's live grant for this client and resource that already covers the requested scopes (remembered consent). */
export async function rememberedGrant(db: Executor, userId: string, req: AuthorizationRequest): Promise<string | undefined> {
  const rows = await db
    .selectFrom('oauth_grants')
    .select(['id', 'scope'])
    .where('user_id', '=', userId)
    .where('client_id', '=', req.client.clientId)
    .where('resource', '=', resourceKey(req))
    .where('revoked_at', 'is', null)
    .execute();
  return rows.find((g) => req.scopes.every((s) => g.scope.split(' ').includes(s)))?.id;
}

/**
 * The person's live grant for exactly this client, resource and scopes (the one an approval of this request is
 * stored under), if any: its parts' stored values (the limits) pre-fill the consent form.
 */
export async function consentGrantOf(db: Executor, userId: string, req: AuthorizationRequest): Promise<string | undefined> {
  const row = await db
    .selectFrom('oauth_grants')
    .select('id')
    .where('user_id', '=', userId)
    .where('client_id', '=', req.client.clientId)
    .where('resource', '=', resourceKey(req))
    .where('scope', '=', [...req.scopes].sort().join(' '))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row?.id;
}

/** What the consent form's parts stored under this grant (the limits), by part name: none when there is no grant. */
export async function storedPartValues(ctx: AppContext, grantId: string | undefined): Promise<Map<string, unknown>> {
  const stored = new Map<string, unknown>();
  if (grantId === undefined) return stored;
  for (const part of ctx.registries.grantFormParts.all()) {
    const value = await part.load(grantId);
    if (value !== null && value !== undefined) stored.set(part.name, value);
  }
  return stored;
}

/** Stores a single-use code (hashed) bound to client, redirect URI, PKCE challenge, scopes and resources; returns the redirect with code, state and iss. */
async function codeRedirect(
  ctx: AppContext,
  db: Executor,
  req: AuthorizationRequest,
  userId: string,
  grantId: string,
  authTime: number | undefined,
): Promise<string> {
  const code = randomToken();
  const now = Date.now();
  await db
    .insertInto('oauth_codes')
    .values({
      code_hash: sha256(code),
      client_id: req.client.clientId,
      user_id: userId,
      grant_id: grantId,
      redirect_uri: req.redirectUri,
      code_challenge: req.codeChallenge,
      scope: req.scopes.join(' '),
      resource: resourceKey(req),
      created_at: now,
      expires_at: now + ctx.config.oauthCodeTtl * 1000,
      used_at: null,
      family_id: null,
      nonce: req.nonce ?? null,
      auth_time: authTime ?? null,
    })
    .execute();
  return responseRedirect(ctx, req.redirectUri, { code, state: req.state });
}

/** Remembered consent: a code for an existing grant, without asking again. */
export async function redirectWithRememberedGrant(
  ctx: AppContext,
  req: AuthorizationRequest,
  userId: string,
  grantId: string,
  authTime?: number,
): Promise<string> {
  return codeRedirect(ctx, ctx.db, req, userId, grantId, authTime);
}

/** A consent form part's parsed value (the proxy's limits): stored under the grant's id when it is set. */
export interface GrantPartValue {
  part: GrantFormPart;
  value: unknown;
}

/**
 * The person approved: remember the consent (one grant per person, client, scopes and resource, audited), store
 * what the form's parts set under the grant's id (in the same transaction), and redirect with a code. What the form
 * submitted is what is stored: the form showed the stored limits pre-filled, so a part that applies to these scopes
 * and was left empty removes what was stored (a re-consent never silently keeps old limits). A remembered consent
 * (the page skipped) keeps them: the Apps page is where they change.
 */
export async function approveAuthorization(
  ctx: AppContext,
  req: AuthorizationRequest,
  userId: string,
  meta: Meta,
  parts: readonly GrantPartValue[] = [],
): Promise<string> {
  return ctx.db.transaction().execute(async (trx) => {
    const scope = [...req.scopes].sort().join(' ');
    let grantId = await consentGrantOf(trx, userId, req);
    if (!grantId) {
      grantId = randomId('gr');
      const now = Date.now();
      await trx
        .insertInto('oauth_grants')
        .values({
          id: grantId,
          user_id: userId,
          client_id: req.client.clientId,
          scope,
          resource: resourceKey(req),
          created_at: now,
          last_used_at: now,
          revoked_at: null,
        })
        .execute();
    }
    for (const { part, value } of parts) if (value !== undefined || part.applies(req.scopes)) await part.store(trx, grantId, value);
    const { authTime, ...requestMeta } = meta;
    await ctx.audit.record(trx, {
      action: 'oauth.consent.granted',
      actor: { type: 'user', id: userId },
      userId,
      target: { type: 'grant', id: grantId },
      ...requestMeta,
      detail: { client: req.client.name, client_id: req.client.clientId, scope, resource: req.resources.map((r) => r.url) },
    });
    return codeRedirect(ctx, trx, req, userId, grantId, authTime);
  });
}
