import type { AppContext } from '../kernel/index.js';
import type { OAuthClient } from './clients/oauth-client.js';
import { GrantUse } from './tokens/grant-use.js';

/**
 * The authorization server of one app: the context and the little state its endpoints keep in memory (one per
 * app, created with its routes; nothing at module level, so two apps in one process share nothing).
 */
export class AuthorizationServer {
  /** Recent successful client authentications (authenticateClient), by method, id and secret hash. */
  readonly authenticated = new Map<string, { client: OAuthClient; until: number }>();
  /** Until when a fetched Client ID Metadata Document is fresh (resolveClient), by client_id. */
  readonly metadataFreshUntil = new Map<string, number>();
  /** When consent grants were last used by a refresh. */
  readonly grantUse: GrantUse;

  constructor(readonly ctx: AppContext) {
    this.grantUse = new GrantUse(ctx);
    ctx.onClose.push(() => this.grantUse.flush());
  }
}
