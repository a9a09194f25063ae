import type { AppContext } from '../kernel/index.js';
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
  /** Until when a fetched Client ID Metadata Document is fresh (resolveClient), by client_id. */
  readonly metadataFreshUntil = new Map<string, number>();
  /** When consent grants were last used by a refresh. */
  readonly grantUse: GrantUse;
  /** The key a rotation's successor pair is derived with (successor.ts). */
  readonly successorKey: Buffer;

  constructor(readonly ctx: AppContext) {
    this.grantUse = new GrantUse(ctx);
    this.successorKey = successorKey(ctx.masterKey);
    ctx.onClose.push(() => this.grantUse.flush());
  }
}
