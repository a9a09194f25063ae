import type { Executor, WriteStep } from '../store/index.js';
import type { AuditEvent } from './audit-sink.js';
import type { Principal, TokenKind } from './principal.js';

/**
 * What `verify` requires of a bearer besides being genuine and live. Sessions and personal API tokens carry no
 * audience: they are the gateway's own, so they meet `audience` only when it is the gateway's own API
 * (`canonicalResource(publicUrl)`) and are refused for any other resource. A session carries every right of its
 * person, so `scope` is not asked of it; every other kind must carry the scope.
 */
export interface VerifyOptions {
  /** Kinds accepted here (default: all). */
  kinds?: readonly TokenKind[];
  /** The resource asked for (a canonical URI): the token's `aud` must contain it (RFC 9068 §4). */
  audience?: string;
  /** The scope the call needs (RFC 6750 §3.1 insufficient_scope otherwise). */
  scope?: string;
  /**
   * Client IP of the request presenting the token: given, its use is recorded (batched) as the token's last use,
   * and a refusal of the genuine token (revoked, another audience or kind) is audited for its person.
   */
  ip?: string | null;
}

/** An access token to issue (RFC 9068). */
export interface AccessTokenSpec {
  /** The person; null when a client acts as itself (client_credentials): then `sub` is the client id. */
  userId: string | null;
  clientId: string;
  scopes: string[];
  /** Canonical resource URI(s) the token is for (RFC 8707, RFC 9068 `aud`). */
  audience: string[];
  /** Lifetime in seconds. */
  ttl: number;
  /** The grant whose tokens are listed and revoked one by one (a delegation), if any. */
  grantId?: string | null;
  /** The OAuth refresh-token family: revoking it voids the token through its lineage. */
  familyId?: string | null;
  parentJti?: string | null;
  /** Ids whose revocation must also void this token (default: grantId, familyId, parentJti). */
  lineage?: string[];
  /** RFC 8693 `act` claim (nested), for exchanged tokens. */
  act?: Record<string, unknown>;
  /** The jti (default: a new random id). A refresh rotation derives it. */
  jti?: string;
  /** When it is issued, epoch ms (default: now). */
  issuedAt?: number;
}

/** An issued access token. */
export interface IssuedToken {
  token: string;
  jti: string;
  /** Expiry, epoch seconds. */
  expiresAt: number;
}

/**
 * One issuance: the access tokens, the other writes of the change (a guard first: see WriteStep) and the audit
 * events that record it, written as ONE group-commit unit, so the change, its tokens and its events commit
 * together or not at all.
 */
export interface Issuance {
  accessTokens: readonly AccessTokenSpec[];
  /** Written before the tokens' rows; a guard, if any, first. */
  steps?: readonly WriteStep[];
  /** The events that record the change, given the tokens' ids (known before the commit). */
  audit(jtis: readonly string[]): readonly AuditEvent[];
}

/** A token id with the time it would expire anyway (epoch ms). */
export interface RevocableId {
  id: string;
  expiresAt: number | null;
}

/** The one verifier of bearers and the one issuance path of tokens (implemented by tokens/). */
export interface TokenService {
  /** Turns any bearer into a Principal, or throws InvalidToken / InsufficientScope (RFC 6750) saying why. */
  verify(bearer: string, o?: VerifyOptions): Promise<Principal>;
  /** Signs the tokens, commits the unit, and returns the tokens once it is written; undefined when its guard stopped it. */
  issue(issuance: Issuance): Promise<IssuedToken[] | undefined>;
  /** Signs, again, an access token whose row was written already (a refresh's grace window): the same payload. */
  signAgain(spec: AccessTokenSpec & { jti: string; issuedAt: number }): string;
  /** Signs a session JWT for a session row the caller has created. */
  issueSession(o: { userId: string; sessionId: string; ttl: number }): { token: string; expiresAt: number };
  /** Revokes `ids` (in the caller's transaction): every token they name or whose lineage holds one is refused at once. */
  revoke(db: Executor, ids: readonly RevocableId[]): Promise<void>;
  /** Revokes tokens and everything derived from them (see tokens/). Returns the access-token ids revoked. */
  revokeTree(db: Executor, roots: { jtis?: string[]; grants?: RevocableId[] }): Promise<RevocableId[]>;
  /** True when any of `ids` is revoked. */
  isRevoked(ids: readonly string[]): boolean;
  /** On PostgreSQL: true while other instances' revocations are notified (LISTEN is up), false while they are polled. */
  readonly revocationsNotified: boolean;
}
