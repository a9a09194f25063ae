import { preparedInsert, type Db, type Executor, type GroupCommit } from '../store/index.js';
import { JwtError, randomId, type PendingJwt, type SigningKeyRing } from '../crypto/index.js';
import { InsufficientScope, InvalidToken } from '../errors/index.js';
import {
  canonicalResource,
  ACCESS_TYP,
  LINEAGE_CLAIM,
  SESSION_TYP,
  type AccessTokenSpec,
  type AuditSink,
  type Issuance,
  type IssuedToken,
  type Principal,
  type RevocableId,
  type TokenService as TokenServiceContract,
  type VerifyOptions,
} from '../kernel/index.js';
import { RevocationIndex } from './revocation-index.js';
import { VerifiedCache, type VerifiedEntry } from './verified-cache.js';
import { principalFromJwt } from './jwt-principal.js';
import { lookupApiToken } from './api-token-lookup.js';
import { looksLikeApiToken } from './api-token-format.js';
import { UsageTracker } from './usage-tracker.js';
import { RefusalLog } from './refusal-log.js';
import { findTokenTree } from './descendants.js';
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
   * tokens through their lineage (the family id is in it), never by finding them.
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

const insertAccessToken = preparedInsert('access_tokens', [
  'jti',
  'user_id',
  'client_id',
  'scope',
  'audience',
  'grant_id',
  'parent_jti',
  'created_at',
  'expires_at',
  'last_used_at',
  'last_used_ip',
  'family_id',
]);

/** An access token signed (or being signed) and the row that records it. */
interface Signed {
  jwt: PendingJwt;
  row: AccessTokensTable;
}

const invalid = (d: string) => new InvalidToken(d);

/**
 * Issues the gateway's JWTs and is the one verifier of every bearer: session JWTs, RFC 9068 access tokens
 * (OAuth, delegation, exchanged) and personal API tokens. Signatures go through the key ring (node:crypto
 * KeyObjects); verified tokens are cached until expiry; revocation (of the token, its grant or any ancestor)
 * is answered from the in-memory RevocationIndex on every call, cached or not. Every access token is issued
 * through `issue`: its row, the change it belongs to and the audit events commit as one group-commit unit.
 */
export class TokenService implements TokenServiceContract {
  readonly revocations: RevocationIndex;
  readonly usage: UsageTracker;
  readonly refusals: RefusalLog;
  private readonly cache: VerifiedCache;
  private readonly onError: (err: unknown) => void;
  private pruneTimer?: NodeJS.Timeout;

  /** The gateway's own API (`canonicalResource(issuer)`): the audience of sessions and API tokens. */
  private readonly gatewayAudience: string;

  constructor(
    private readonly db: Db,
    private readonly commits: GroupCommit,
    private readonly keys: SigningKeyRing,
    private readonly audit: AuditSink,
    private readonly issuer: string,
    o: TokenServiceOptions = {},
  ) {
    this.gatewayAudience = canonicalResource(issuer);
    this.revocations = new RevocationIndex(db, {
      pollMs: o.revocationPollMs ?? 1000,
      dialect: o.dialect,
      listenUrl: o.listenUrl,
      peers: o.peers,
      onError: o.onError,
    });
    this.cache = new VerifiedCache(o.cacheSize ?? 50_000);
    this.onError = o.onError ?? (() => undefined);
    this.usage = new UsageTracker(db, { flushMs: o.usageFlushMs ?? 5000, audit, onError: o.onError });
    this.refusals = new RefusalLog(audit);
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
    await this.revocations.stop();
    await this.usage.flush();
  }

  /** Signs a session JWT for a session row the caller has created. */
  issueSession(o: { userId: string; sessionId: string; ttl: number }): { token: string; expiresAt: number } {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + o.ttl;
    const token = this.keys.sign({ iss: this.issuer, sub: o.userId, sid: o.sessionId, jti: o.sessionId, iat, exp }, { typ: SESSION_TYP });
    return { token, expiresAt: exp };
  }

  /** Signs (with the others of this turn of the event loop: SignatureQueue) and builds the row of an access token. */
  private sign(o: AccessTokenSpec): Signed {
    const issuedAt = o.issuedAt ?? Date.now();
    const iat = Math.floor(issuedAt / 1000);
    const exp = iat + o.ttl;
    const jti = o.jti ?? randomId('at');
    const lineage = o.lineage ?? [o.grantId, o.familyId, o.parentJti].filter((x): x is string => !!x);
    const scope = o.scopes.join(' ');
    const payload: Record<string, unknown> = {
      iss: this.issuer,
      sub: o.userId ?? o.clientId,
      aud: o.audience.length === 1 ? o.audience[0] : o.audience,
      client_id: o.clientId,
      scope,
      jti,
      iat,
      exp,
    };
    if (o.act) payload.act = o.act;
    if (lineage.length) payload[LINEAGE_CLAIM] = lineage;
    const row: AccessTokensTable = {
      jti,
      user_id: o.userId,
      client_id: o.clientId,
      scope,
      audience: o.audience.join(' '),
      grant_id: o.grantId ?? null,
      parent_jti: o.parentJti ?? null,
      created_at: issuedAt,
      expires_at: exp * 1000,
      last_used_at: null,
      last_used_ip: null,
      family_id: o.familyId ?? null,
    };
    return { jwt: this.keys.signSoon(payload, { typ: ACCESS_TYP }), row };
  }

  /**
   * The one issuance path. The tokens are signed outside the transaction (on the next turn of the event loop,
   * before the group commit scheduled after them); the unit is `steps`, the tokens' rows, then the audit events.
   */
  async issue(issuance: Issuance): Promise<IssuedToken[] | undefined> {
    const signed = issuance.accessTokens.map((spec) => this.sign(spec));
    const events = issuance.audit(signed.map((s) => s.row.jti));
    const steps = [
      ...(issuance.steps ?? []),
      ...signed.map((s) => insertAccessToken.step(this.db, s.row)),
      ...events.map((e) => this.audit.step(e)),
    ];
    if (!(await this.commits.run(steps))) return undefined;
    this.audit.committed(events);
    return signed.map((s) => ({ token: s.jwt.take(), jti: s.row.jti, expiresAt: s.row.expires_at / 1000 }));
  }

  signAgain(spec: AccessTokenSpec & { jti: string; issuedAt: number }): string {
    return this.sign(spec).jwt.take();
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
    if (o.audience !== undefined && !this.meant(p, o.audience)) throw this.refuse(p, 'token audience is another resource', o);
    if (o.scope !== undefined && p.kind !== 'session' && !p.scopes.includes(o.scope)) {
      const err = new InsufficientScope(`this needs the scope ${o.scope}`);
      err.wwwAuthenticate = { scope: o.scope };
      throw err;
    }
    this.usage.note(p, o.ip ?? null, now);
    return p;
  }

  /** Whether the token is meant for `audience`: its `aud`, or for sessions and API tokens the gateway's own API. */
  private meant(p: Principal, audience: string): boolean {
    return p.kind === 'access' ? p.audience.includes(audience) : audience === this.gatewayAudience;
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

  revoke(db: Executor, ids: readonly RevocableId[]): Promise<void> {
    return this.revocations.revoke(db, [...ids]);
  }

  isRevoked(ids: readonly string[]): boolean {
    return this.revocations.hasAny(ids);
  }

  /** Verified tokens cached right now (for metrics and tests). */
  get revocationsNotified(): boolean {
    return this.revocations.listening;
  }

  get cacheSize(): number {
    return this.cache.size;
  }
}
