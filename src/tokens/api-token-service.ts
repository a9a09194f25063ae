import type { AppContext } from '../kernel/index.js';
import { AppError, httpErrors } from '../errors/index.js';
import { randomId, sha256 } from '../crypto/index.js';
import { requestedScopes } from '../scopes/index.js';
import type { Principal, RequestMeta } from '../kernel/index.js';
import { generateApiToken } from './api-token-format.js';
import { personalCaller } from './personal-caller.js';
import './api-tokens-table.js';
import { checkGrantPolicy, parseGrantPolicy, setGrantPolicy } from '../proxy/index.js';

/** What a person sees of an API token (never the token, never its hash). */
export interface ApiTokenInfo {
  id: string;
  name: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  revokedAt: number | null;
}

export interface CreateApiToken {
  name: unknown;
  scopes: unknown;
  /** Days until expiry; undefined: config default; null: never (only when config allows). */
  expiresInDays?: unknown;
  /** The proxy policy of this token (rates, constraints, ask); see src/proxy/policy. */
  policy?: unknown;
}

const bad = (message: string) => new AppError(httpErrors.ERR_VALIDATION, message);

/**
 * Personal API tokens: created (shown once), listed, revoked one by one or all at once. Each change and its
 * audit event commit in one transaction; a revoke takes effect at once through the revocation index.
 */
export class ApiTokenService {
  constructor(private readonly ctx: AppContext) {}

  /**
   * Checks the request and creates the token. Returns the token (to show once) and what is stored. Names tell tokens
   * apart (the list, the confirmation, the access log): two live tokens of one person may not share one (409).
   */
  async create(principal: Principal, o: CreateApiToken, meta: Partial<RequestMeta> = {}): Promise<{ token: string; info: ApiTokenInfo }> {
    const userId = personalCaller(principal, 'create an API token');
    const name = typeof o.name === 'string' ? o.name.trim() : '';
    if (!name || name.length > 100) throw bad('name must be 1 to 100 characters');
    const scopes = requestedScopes(this.ctx.registries.scopes, principal, o.scopes);
    let days: number | null = this.ctx.config.apiTokenTtlDays;
    if (o.expiresInDays === null || o.expiresInDays === 'never') {
      if (!this.ctx.config.apiTokenAllowNoExpiry) throw bad('tokens that never expire are not allowed on this gateway');
      days = null;
    } else if (o.expiresInDays !== undefined && o.expiresInDays !== '') {
      const n = Number(o.expiresInDays);
      if (!Number.isInteger(n) || n < 1 || n > 3650) throw bad('expires_in_days must be a whole number from 1 to 3650');
      days = n;
    }
    const policy = o.policy === undefined || o.policy === null ? undefined : parseGrantPolicy(o.policy);
    checkGrantPolicy(this.ctx, policy, scopes); // its keys bind actions granted, its constraints fields they have
    const token = generateApiToken();
    const now = Date.now();
    const row = {
      id: randomId('tok'),
      user_id: userId,
      name,
      token_hash: sha256(token),
      scope: scopes.join(' '),
      created_at: now,
      expires_at: days === null ? null : now + days * 86_400_000,
      last_used_at: null,
      last_used_ip: null,
      revoked_at: null,
    };
    // A token made with a token never outlives it.
    const limit = principal.kind === 'api_token' && principal.expiresAt !== null ? principal.expiresAt * 1000 : null;
    if (limit !== null && (row.expires_at === null || row.expires_at > limit)) row.expires_at = limit;
    await this.ctx.db.transaction().execute(async (trx) => {
      const clash = await trx
        .selectFrom('api_tokens')
        .select('id')
        .where('user_id', '=', userId)
        .where('name', '=', name)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .executeTakeFirst();
      if (clash) throw new AppError(httpErrors.ERR_CONFLICT, `You already have a live token named ${name}: pick another name.`);
      await trx.insertInto('api_tokens').values(row).execute();
      if (policy) await setGrantPolicy(trx, row.id, policy, now);
      await this.ctx.audit.record(trx, {
        action: 'token.created',
        actor: { type: 'user', id: userId },
        userId: userId,
        target: { type: 'api_token', id: row.id },
        ip: meta.ip,
        userAgent: meta.userAgent,
        detail: { name, scopes, expiresAt: row.expires_at },
      });
    });
    return { token, info: toInfo(row) };
  }

  /** The person's tokens, newest first (revoked ones included, marked). */
  async list(userId: string): Promise<ApiTokenInfo[]> {
    const rows = await this.ctx.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toInfo);
  }

  /** Revokes one token (id) or all the person's live tokens (id undefined). Returns how many were revoked. */
  async revoke(userId: string, id: string | undefined, meta: Partial<RequestMeta> = {}): Promise<number> {
    return this.ctx.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('api_tokens').select(['id', 'expires_at']).where('user_id', '=', userId).where('revoked_at', 'is', null);
      if (id !== undefined) q = q.where('id', '=', id);
      const rows = await q.execute();
      if (rows.length === 0) return 0;
      const ids = rows.map((r) => r.id);
      await trx.updateTable('api_tokens').set({ revoked_at: Date.now() }).where('id', 'in', ids).execute();
      await this.ctx.tokens.revoke(
        trx,
        rows.map((r) => ({ id: r.id, expiresAt: r.expires_at === null ? null : Number(r.expires_at) })),
      );
      await this.ctx.audit.record(trx, {
        action: 'token.revoked',
        actor: { type: 'user', id: userId },
        userId,
        target: { type: 'api_token', id: id ?? 'all' },
        ip: meta.ip,
        userAgent: meta.userAgent,
        detail: { count: ids.length, ids },
      });
      return ids.length;
    });
  }
}

function toInfo(r: {
  id: string;
  name: string;
  scope: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  last_used_ip: string | null;
  revoked_at: number | null;
}): ApiTokenInfo {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: r.id,
    name: r.name,
    scopes: r.scope ? r.scope.split(' ') : [],
    createdAt: Number(r.created_at),
    expiresAt: n(r.expires_at),
    lastUsedAt: n(r.last_used_at),
    lastUsedIp: r.last_used_ip,
    revokedAt: n(r.revoked_at),
  };
}
