import type { AppContext } from '../kernel/index.js';
import { InvalidClient } from '../errors/index.js';
import { WindowCounter } from '../store/index.js';
import { authenticateClient, claimedClientId, type ClientCredentialsInput } from './clients/authenticate-client.js';
import { authenticateAssertion, hasClientAssertion } from './clients/client-assertion.js';
import { ClientAuthFailures } from './clients/client-auth-failures.js';
import { ClientJwksCache } from './clients/client-jwks-cache.js';
import type { OAuthClient } from './clients/oauth-client.js';
import { GrantUse } from './tokens/grant-use.js';
import { successorKey } from './tokens/successor.js';

/**
 * The authorization server of one app: the context and the little state its endpoints keep in memory (one per
 * app, created with its routes; nothing at module level, so two apps in one process share nothing).
 */
export class AuthorizationServer {
  /** Recent successful client authentications (authenticateClient), by method, id and secret hash. */
  readonly authenticated = new Map<string, { client: OAuthClient; until: number }>();
  /** Failed client authentications at /token, /introspect and /revoke, per client_id and address (rate limit). */
  readonly clientAuthFailures: ClientAuthFailures;
  /** Until when a fetched Client ID Metadata Document is fresh (resolveClient), by client_id. */
  readonly metadataFreshUntil = new Map<string, number>();
  /** The public keys of private_key_jwt clients (a fetched jwks_uri set is reused while fresh). */
  readonly clientJwks: ClientJwksCache;
  /** When consent grants were last used by a refresh. */
  readonly grantUse: GrantUse;
  /** The key a rotation's successor pair is derived with (successor.ts). */
  readonly successorKey: Buffer;

  constructor(readonly ctx: AppContext) {
    this.grantUse = new GrantUse(ctx);
    this.clientJwks = new ClientJwksCache(ctx);
    this.successorKey = successorKey(ctx.masterKey);
    // counted on the database: every instance and worker on it shares the counts, so the limits hold in all
    this.clientAuthFailures = new ClientAuthFailures(new WindowCounter(ctx.db), {
      scope: 'client-auth',
      perClient: ctx.config.oauthClientAuthFailuresPerClient,
      perAddress: ctx.config.oauthClientAuthFailuresPerAddress,
      windowMs: ctx.config.oauthClientAuthFailureWindow * 1000,
    });
    ctx.onClose.push(
      this.clientAuthFailures.watch((err) => ctx.log.warn({ err }, 'reading the shared client authentication failures failed')),
    );
    ctx.onClose.push(() => this.grantUse.flush());
  }

  /**
   * authenticateClient behind the failure limit: a client or address past its limit is refused (429) before any
   * lookup, and a failed authentication (invalid_client) is counted. A success costs nothing more.
   */
  async authenticateClient(input: ClientCredentialsInput, ip: string): Promise<OAuthClient> {
    const failures = this.clientAuthFailures;
    if (failures.size > 0) await failures.refuseIfLimited(claimedClientId(input), ip); // nothing failed: nothing to parse
    try {
      return hasClientAssertion(input)
        ? await authenticateAssertion(this.ctx, input, this.clientJwks)
        : await authenticateClient(this.ctx.db, input, this.authenticated);
    } catch (e) {
      if (e instanceof InvalidClient) await failures.failed(claimedClientId(input), ip);
      throw e;
    }
  }
}
