import { preparedQuery, type Db, type Executor, type WriteStep } from '../store/index.js';
import { JwtError, randomId, type SigningKeyRing } from '../crypto/index.js';
import { InvalidToken } from '../errors/index.js';
import { RevocationIndex } from './revocation-index.js';
import { ACCESS_TYP, LINEAGE_CLAIM, SESSION_TYP, type Principal, type TokenKind } from './principal.js';
import { VerifiedCache, type VerifiedEntry } from './verified-cache.js';
import { principalFromJwt } from './jwt-principal.js';
import { lookupApiToken } from './api-token-lookup.js';
import { looksLikeApiToken } from './api-token-format.js';
import { UsageTracker } from './usage-tracker.js';
import { RefusalLog } from './refusal-log.js';
import { findTokenTree, type RevocableId } from './descendants.js';
import type { TokenServiceOptions } from './token-service-options.js';

export interface AccessTokensTable {
  jti: string;
  user_id: string | null;
  client_id: string;
  scope: string;
  /** Space-separated audiences (canonical resource URIs). */
  audience: string;
  /** The grant whose tokens are listed and revoked one by one (a delegation), if any: revoking it revokes them. */
  grant_id: string | null;
  /**
   * The OAuth refresh-token family it was issued into, if any. Not indexed: revoking the family voids its
   * tokens through their lineage (the family id is in it), never by finding them (migration 0009).
   */
  family_id: string | null;
  /** The token it was derived from (token exchange): revoking the parent revokes it. */
  parent_jti: string | null;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  last_used_ip: string | null;
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
  /** The OAuth refresh-token family (see AccessTokensTable.family_id). */
  familyId?: string | null;
  parentJti?: string | null;
  /** Ids whose revocation must also void this token (default: grantId, familyId, parentJti). Token exchange passes the parent's lineage + parent. */
  lineage?: string[];
  /** RFC 8693 `act` claim (nested), for exchanged tokens. */
  act?: Record<string, unknown>;
  /** The jti (default: a new random id). A refresh rotation derives it (oauth/tokens/successor.ts). */
  jti?: string;
  /** When it is issued, epoch ms (default: now): `iat` is its second, the row's `created_at` the value itself. */
  issuedAt?: number;
}

export interface VerifyOptions {
  /** Required audience: the token's `aud` must contain it (RFC 9068 §4). */
  audience?: string;
  /** Kinds accepted here (default: all). */
  kinds?: TokenKind[];
  /**
   * Client IP of the request presenting the token: given, its use is recorded (batched) as the token's last use,
   * and a refusal of the genuine token (revoked, another audience or kind) is audited for its person.
   */
  ip?: string | null;
}

/** An access token signed but not yet recorded (see TokenService.signAccessToken). */
export interface SignedAccessToken {
  /** The JWT: signed with the others of this turn of the event loop, or when read first (SignatureQueue). */
  readonly token: string;
  jti: string;
  expiresAt: number;
  /** The values of its access_tokens row, in insertAccessToken's slot order. */
  readonly row: readonly unknown[];
}

const insertAccessToken = preparedQuery((db, slot) => db.insertInto('access_tokens').values({
  jti: slot(0), user_id: slot(1), client_id: slot(2), scope: slot(3), audience: slot(4), grant_id: slot(5), parent_jti: slot(6),
  created_at: slot(7), expires_at: slot(8), last_used_at: slot(9), last_used_ip: slot(10), family_id: slot(11),
}));

const invalid = (d: string) => new InvalidToken(d);

/**
 * Issues the gateway's JWTs and is the one verifier of every bearer: session JWTs, RFC 9068 access tokens
 * (OAuth, delegation, exchanged) and personal API tokens. Signatures go through the key ring (node:crypto
 * KeyObjects); verified tokens are cached until expiry; revocation (of the token, its grant or any ancestor)
 * is answered from the in-memory RevocationIndex on every call, cached or not.
 */
export class TokenService {
  readonly revocations: RevocationIndex;
  readonly usage: UsageTracker;
  readonly refusals: RefusalLog;
  private readonly cache: VerifiedCache;
  private readonly onError: (err: unknown) => void;
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly keys: SigningKeyRing,
    private readonly issuer: string,
    o: TokenServiceOptions = {},
  ) {
    this.revocations = new RevocationIndex(db, { pollMs: o.revocationPollMs ?? 1000, dialect: o.dialect, listenUrl: o.listenUrl, peers: o.peers, onError: o.onError });
    this.cache = new VerifiedCache(o.cacheSize ?? 50_000);
    this.onError = o.onError ?? (() => undefined);
    this.usage = new UsageTracker(db, { flushMs: o.usageFlushMs ?? 5000, audit: o.audit, onError: o.onError });
    this.refusals = new RefusalLog(o.audit);
  }

  async start(): Promise<void> {
    await this.revocations.start();
    // Revocations of tokens that have expired anyway are dead weight: drop them (memory and table) now and then.
    this.pruneTimer = setInterval(() => void this.revocations.prune().catch(this.onError), 10 * 60_000);
    this.pruneTimer.unref();
  }

  /** Stops polling and listening, and writes pending last-used times. */
  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.revocations.stop();
    await this.usage.flush();
  }

  /** Signs a session JWT for a session row the caller has created. */
  issueSession(o: { userId: string; sessionId: string; ttl: number }): { token: string; expiresAt: number } {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + o.ttl;
    const token = this.keys.sign({ iss: this.issuer, sub: o.userId, sid: o.sessionId, jti: o.sessionId, iat, exp }, { typ: SESSION_TYP });
    return { token, expiresAt: exp };
  }

  /**
   * Signs an RFC 9068 access token and returns it with the row that records its jti; the caller writes the row
   * (`accessTokenStep`) with the transaction of its grant. The signature is made outside the transaction (and
   * outside a group commit's batch): with the others of this turn of the event loop, before the group commit
   * scheduled after it, or when `token` is read first.
   */
  signAccessToken(o: IssueAccessToken): SignedAccessToken {
    const issuedAt = o.issuedAt ?? Date.now();
    const iat = Math.floor(issuedAt / 1000);
    const exp = iat + o.ttl;
    const jti = o.jti ?? randomId('at');
    const lineage = o.lineage ?? [o.grantId, o.familyId, o.parentJti].filter((x): x is string => !!x);
    const scope = o.scopes.join(' ');
    const payload: Record<string, unknown> = {
      iss: this.issuer, sub: o.userId ?? o.clientId, aud: o.audience.length === 1 ? o.audience[0] : o.audience,
      client_id: o.clientId, scope, jti, iat, exp,
    };
    if (o.act) payload.act = o.act;
    if (lineage.length) payload[LINEAGE_CLAIM] = lineage;
    const jwt = this.keys.signSoon(payload, { typ: ACCESS_TYP });
    const row = [jti, o.userId, o.clientId, scope, o.audience.join(' '), o.grantId ?? null, o.parentJti ?? null, issuedAt, exp * 1000, null, null, o.familyId ?? null] as const;
    return { get token() { return jwt.value; }, jti, expiresAt: exp, row };
  }

  /** The write step that records a signed access token's jti, for a group commit. */
  accessTokenStep(signed: SignedAccessToken): WriteStep {
    return insertAccessToken.step(this.db, signed.row);
  }

  /** signAccessToken, then its jti row written with `db` (pass the transaction of the grant). */
  async issueAccessToken(db: Executor, o: IssueAccessToken): Promise<{ token: string; jti: string; expiresAt: number }> {
    const signed = this.signAccessToken(o);
    await insertAccessToken(db, signed.row);
    return { token: signed.token, jti: signed.jti, expiresAt: signed.expiresAt };
  }

  /**
   * The one verifier: turns any bearer the gateway accepts into a Principal, or throws InvalidToken
   * (RFC 6750) saying why. Checks signature, alg, kid, typ, issuer, expiry, audience and revocation (of the
   * token, its grant and every ancestor); API tokens: checksum first (no I/O), then one lookup by hash.
   */
  async verify(bearer: string, o: VerifyOptions = {}): Promise<Principal> {
    if (typeof bearer !== 'string' || !bearer || bearer.length > 8192) throw invalid('malformed token');
    const now = Date.now();
    let entry = this.cache.get(bearer, now);
    if (entry?.kid !== undefined && !this.keys.publicKey(entry.kid)) entry = undefined; // its signing key was retired
    if (!entry) {
      // JWTs verify synchronously (no extra await on the hot path); only an unknown kid waits for one key reload.
      let fresh = looksLikeApiToken(bearer) ? await lookupApiToken(this.db, bearer, now) : this.verifyJwt(bearer);
      if (fresh === undefined) {
        await this.keys.settled();
        fresh = this.verifyJwt(bearer) ?? 'unknown signing key';
      }
      if (typeof fresh === 'string') throw invalid(fresh);
      entry = fresh;
      this.cache.set(bearer, entry);
    }
    const p = entry.principal;
    const version = this.revocations.version;
    if (entry.checkedAt !== version) {
      if (this.revocations.hasAny(entry.revocationIds)) throw this.refuse(p, 'token revoked', o);
      entry.checkedAt = version; // nothing revoked since: the next hit needs no lookup
    }
    if (o.kinds && !o.kinds.includes(p.kind)) throw this.refuse(p, `a ${p.kind} token is not accepted here`, o);
    if (o.audience && !p.audience.includes(o.audience)) throw this.refuse(p, 'token audience is another resource', o);
    this.usage.note(p, o.ip ?? null, now);
    return p;
  }

  /** The InvalidToken for a genuine token refused here; audited for its person when a request presented it. */
  private refuse(p: Principal, reason: string, o: VerifyOptions): InvalidToken {
    if (o.ip !== undefined) this.refusals.note(p, reason, o.ip);
    return invalid(reason);
  }

  /** Verifies a JWT; undefined when its kid is unknown (the caller waits for a key reload and retries once). */
  private verifyJwt(bearer: string): VerifiedEntry | string | undefined {
    let verified;
    try {
      verified = this.keys.verify(bearer);
    } catch (e) {
      if (!(e instanceof JwtError)) return 'malformed token';
      if (e.reason === 'kid') return undefined; // another instance may have rotated
      return e.reason === 'expired' ? 'token expired' : `token rejected: ${e.reason}`;
    }
    const entry = principalFromJwt(verified.header, verified.payload, this.issuer);
    if (typeof entry === 'string') return entry;
    Object.freeze(entry.principal);
    entry.kid = verified.header.kid;
    return entry;
  }

  /**
   * Revokes tokens and everything derived from them, at once: the access tokens named, every token of the
   * grants named (consent grant, refresh family, delegation), and all their exchanged descendants. Pass the
   * transaction of the change. The grant ids themselves are revoked too, so a token derived concurrently (not
   * yet in the table) is refused by its lineage. Returns the access-token ids revoked.
   */
  async revokeTree(db: Executor, roots: { jtis?: string[]; grants?: RevocableId[] }): Promise<RevocableId[]> {
    const tree = await findTokenTree(db, { jtis: roots.jtis, grantIds: roots.grants?.map((g) => g.id) });
    await this.revocations.revoke(db, [...(roots.grants ?? []), ...tree]);
    return tree;
  }

  /** Verified tokens cached right now (for metrics and tests). */
  get cacheSize(): number {
    return this.cache.size;
  }
}
