import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../kernel/index.js';
import { sha256 } from '../../crypto/index.js';
import { WindowCounter } from '../../store/index.js';
import { AppError, httpErrors } from '../../errors/index.js';
import { ClientAuthFailures, TooManyFailedAuthentications } from '../../oauth/index.js';
import { vaultErrors } from '../vault-errors.js';
import { keyProviders } from './api-keys.js';
import { vaultApiKeyFormat } from './api-key-format.js';

/** The server an authenticated API key stands for. */
export interface ApiKey {
  id: string;
  name: string;
  /** Providers it may ask for; null: any. */
  providers: string[] | null;
  /** How allowances, audit events and "last used by" name it: `apikey:<id>`. */
  server: string;
}

/** "last used" of a key is written at most this often (ms): authenticating is not a write per request. */
const LAST_USED_EVERY_MS = 60_000;

/** The key a request sends: `X-API-Key: o3k_…` or `Authorization: Bearer o3k_…` (both: they must agree). */
function sentKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  const viaHeader = typeof header === 'string' ? header.trim() : undefined;
  const auth = request.headers.authorization;
  const viaBearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
  if (viaHeader !== undefined && viaBearer !== undefined && viaHeader !== viaBearer) return undefined;
  return viaHeader || viaBearer || undefined;
}

/**
 * Authenticates the server API's callers by their vault API key: shape and checksum first (no I/O for a typo or a
 * forged key), then one lookup by SHA-256 hash; a revoked key is refused like an unknown one. Failures are counted
 * per address with the authorization server's limiter (the OAUTH3_OAUTH_CLIENT_AUTH_FAILURES_PER_ADDRESS limit and
 * window): past it, every attempt from that address, even with a good key, gets 429 until the window ends, so keys
 * cannot be guessed at the speed of the API. One per app.
 */
export class ApiKeyAuth {
  private readonly failures: ClientAuthFailures;

  constructor(private readonly ctx: AppContext) {
    // counted on the database, shared by every instance and worker on it (as the authorization server's)
    this.failures = new ClientAuthFailures(new WindowCounter(ctx.db), {
      scope: 'api-key-auth',
      perClient: 0,
      perAddress: ctx.config.oauthClientAuthFailuresPerAddress,
      windowMs: ctx.config.oauthClientAuthFailureWindow * 1000,
    });
    ctx.onClose.push(this.failures.watch((err) => ctx.log.warn({ err }, 'reading the shared API key authentication failures failed')));
  }

  /** The key of the request, or 401 ERR_VAULT_BAD_API_KEY (429 ERR_RATE_LIMITED with Retry-After past the limit). */
  async authenticate(request: FastifyRequest, reply: FastifyReply): Promise<ApiKey> {
    try {
      await this.failures.refuseIfLimited(undefined, request.ip);
    } catch (e) {
      if (!(e instanceof TooManyFailedAuthentications)) throw e;
      reply.header('retry-after', String(e.retryAfter));
      throw new AppError(httpErrors.ERR_RATE_LIMITED, `Too many failed API key authentications: retry in ${e.retryAfter} s.`);
    }
    const key = await this.lookup(sentKey(request));
    if (typeof key === 'string') {
      await this.failures.failed(undefined, request.ip);
      reply.header('www-authenticate', 'Bearer realm="oauth3 vault"'); // RFC 9110 §15.5.2: a 401 names its scheme
      throw new AppError(vaultErrors.ERR_VAULT_BAD_API_KEY, `${vaultErrors.ERR_VAULT_BAD_API_KEY.message.replace(/\.$/, '')}: ${key}.`);
    }
    return key;
  }

  /** The key, or why it is refused (said to the caller: never the key itself). */
  private async lookup(sent: string | undefined): Promise<ApiKey | string> {
    if (!sent) return 'no API key sent';
    if (!vaultApiKeyFormat.isValid(sent)) return 'not a vault API key (bad shape or checksum)';
    const row = await this.ctx.db
      .selectFrom('vault_api_keys')
      .select(['id', 'name', 'providers', 'revoked_at', 'last_used_at'])
      .where('token_hash', '=', sha256(sent))
      .executeTakeFirst();
    if (!row) return 'unknown API key';
    if (row.revoked_at !== null) return 'API key revoked';
    const now = Date.now();
    if (row.last_used_at === null || now - Number(row.last_used_at) > LAST_USED_EVERY_MS) {
      void this.ctx.db
        .updateTable('vault_api_keys')
        .set({ last_used_at: now })
        .where('id', '=', row.id)
        .execute()
        .catch((err) => this.ctx.log.warn({ err }, 'recording an API key use failed'));
    }
    return { id: row.id, name: row.name, providers: keyProviders(row), server: `apikey:${row.id}` };
  }
}
