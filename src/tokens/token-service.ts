import type { Db, Executor } from '../store/index.js';
import { JwtError, randomId, type SigningKeyRing } from '../crypto/index.js';
import { InvalidToken } from '../errors/index.js';
import { RevocationIndex } from './revocation-index.js';
import { ACCESS_TYP, SESSION_TYP, type Principal, type TokenKind } from './principal.js';

export interface AccessTokensTable {
  jti: string;
  user_id: string | null;
  client_id: string;
  scope: string;
  /** Space-separated audiences (canonical resource URIs). */
  audience: string;
  /** The consent grant / refresh family it came from, if any: revoking the grant revokes it. */
  grant_id: string | null;
  /** The token it was derived from (token exchange): revoking the parent revokes it. */
  parent_jti: string | null;
  created_at: number;
  expires_at: number;
}

declare module '../store/database.js' {
  interface Database {
    access_tokens: AccessTokensTable;
  }
}

export interface IssueAccessToken {
  /** The person; null when a client acts as itself (client_credentials): then `sub` is the client id. */
  userId: string | null;
  clientId: string;
  scopes: string[];
  /** Canonical resource URI(s) the token is for (RFC 8707, RFC 9068 `aud`). */
  audience: string[];
  /** Lifetime in seconds. */
  ttl: number;
  grantId?: string | null;
  parentJti?: string | null;
  /** RFC 8693 `act` claim (nested), for exchanged tokens. */
  act?: Record<string, unknown>;
}

export interface VerifyOptions {
  /** Required audience: the token's `aud` must contain it (RFC 9068 §4). */
  audience?: string;
  /** Kinds accepted here (default: all). */
  kinds?: TokenKind[];
}

const invalid = (d: string) => new InvalidToken(d);

/**
 * Issues the gateway's JWTs and is the one verifier of every bearer. Signatures go through the key ring
 * (node:crypto KeyObjects); revocation is answered from the in-memory RevocationIndex.
 */
export class TokenService {
  readonly revocations: RevocationIndex;

  constructor(
    private readonly db: Db,
    private readonly keys: SigningKeyRing,
    private readonly issuer: string,
    o: { revocationPollMs?: number } = {},
  ) {
    this.revocations = new RevocationIndex(db, { pollMs: o.revocationPollMs ?? 1000 });
  }

  async start(): Promise<void> {
    await this.revocations.start();
  }

  stop(): void {
    this.revocations.stop();
  }

  /** Signs a session JWT for a session row the caller has created. */
  issueSession(o: { userId: string; sessionId: string; ttl: number }): { token: string; expiresAt: number } {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + o.ttl;
    const token = this.keys.sign({ iss: this.issuer, sub: o.userId, sid: o.sessionId, jti: o.sessionId, iat, exp }, { typ: SESSION_TYP });
    return { token, expiresAt: exp };
  }

  /** Issues an RFC 9068 access token and records its jti (with `db`: pass the transaction of the grant). */
  async issueAccessToken(db: Executor, o: IssueAccessToken): Promise<{ token: string; jti: string; expiresAt: number }> {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + o.ttl;
    const jti = randomId('at');
    const payload: Record<string, unknown> = {
      iss: this.issuer, sub: o.userId ?? o.clientId, aud: o.audience.length === 1 ? o.audience[0] : o.audience,
      client_id: o.clientId, scope: o.scopes.join(' '), jti, iat, exp,
    };
    if (o.act) payload.act = o.act;
    const token = this.keys.sign(payload, { typ: ACCESS_TYP });
    await db.insertInto('access_tokens').values({
      jti, user_id: o.userId, client_id: o.clientId, scope: o.scopes.join(' '), audience: o.audience.join(' '),
      grant_id: o.grantId ?? null, parent_jti: o.parentJti ?? null, created_at: Date.now(), expires_at: exp * 1000,
    }).execute();
    return { token, jti, expiresAt: exp };
  }

  /**
   * The one verifier: turns any bearer the gateway accepts into a Principal, or throws InvalidToken
   * (RFC 6750) saying why. Checks signature, alg, kid, typ, expiry, audience and revocation.
   */
  async verify(bearer: string, o: VerifyOptions = {}): Promise<Principal> {
    if (!bearer || bearer.length > 8192) throw invalid('malformed token');
    let verified;
    try {
      verified = this.keys.verify(bearer);
    } catch (e) {
      if (e instanceof JwtError && e.reason === 'kid') {
        await this.keys.settled(); // another instance may have rotated: one reload, then one retry
        try { verified = this.keys.verify(bearer); } catch { throw invalid('unknown signing key'); }
      } else {
        throw invalid(e instanceof JwtError ? (e.reason === 'expired' ? 'token expired' : `token rejected: ${e.reason}`) : 'malformed token');
      }
    }
    const { header, payload } = verified;
    const kind: TokenKind | undefined = header.typ === SESSION_TYP ? 'session' : header.typ === ACCESS_TYP ? 'access' : undefined;
    if (!kind) throw invalid('unknown token type');
    if (o.kinds && !o.kinds.includes(kind)) throw invalid(`a ${kind} token is not accepted here`);
    if (payload.iss !== this.issuer) throw invalid('wrong issuer');
    const tokenId = String(kind === 'session' ? payload.sid : payload.jti);
    if (!tokenId || this.revocations.has(tokenId)) throw invalid('token revoked');
    if (kind === 'session') {
      return { kind, tokenId, userId: String(payload.sub), clientId: null, scopes: [], audience: [], chain: [], expiresAt: payload.exp! };
    }
    const audience = Array.isArray(payload.aud) ? payload.aud.map(String) : payload.aud ? [String(payload.aud)] : [];
    if (o.audience && !audience.includes(o.audience)) throw invalid('token audience is another resource');
    const clientId = String(payload.client_id);
    const chain: string[] = [];
    for (let act = payload.act as Record<string, unknown> | undefined; act && chain.length < 16; act = act.act as Record<string, unknown> | undefined) {
      chain.push(String(act.sub));
    }
    return {
      kind, tokenId, userId: payload.sub === clientId && !payload.act ? null : String(payload.sub), clientId,
      scopes: typeof payload.scope === 'string' && payload.scope ? payload.scope.split(' ') : [], audience, chain, expiresAt: payload.exp!,
    };
  }
}
