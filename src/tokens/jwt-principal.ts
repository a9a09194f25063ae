import type { JwtHeader, JwtPayload } from '../crypto/index.js';
import { ACCESS_TYP, LINEAGE_CLAIM, SESSION_TYP, type Principal } from '../kernel/index.js';
import type { VerifiedEntry } from './verified-cache.js';

/** Longest `act` chain or lineage read from a token (config limits depth far below this). */
const MAX_CHAIN = 16;

/**
 * Turns a signature-checked JWT into a cache entry (principal + the ids whose revocation voids it), or returns
 * a reason string when its type or issuer is wrong. Pure: no I/O.
 */
export function principalFromJwt(header: JwtHeader, payload: JwtPayload, issuer: string): VerifiedEntry | string {
  const kind = header.typ === SESSION_TYP ? 'session' : header.typ === ACCESS_TYP ? 'access' : undefined;
  if (!kind) return 'unknown token type';
  if (payload.iss !== issuer) return 'wrong issuer';
  const exp = payload.exp!;
  if (kind === 'session') {
    if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string' || !payload.sid) return 'malformed session token';
    const principal: Principal = {
      kind,
      tokenId: payload.sid,
      userId: payload.sub,
      clientId: null,
      scopes: [],
      audience: [],
      chain: [],
      expiresAt: exp,
      lineage: [],
    };
    return { principal, revocationIds: [payload.sid], expiresAtMs: exp * 1000, checkedAt: -1 };
  }
  if (typeof payload.jti !== 'string' || !payload.jti || typeof payload.client_id !== 'string' || typeof payload.sub !== 'string')
    return 'malformed access token';
  const audience = Array.isArray(payload.aud) ? payload.aud.map(String) : payload.aud ? [String(payload.aud)] : [];
  const chain: string[] = [];
  for (
    let act = payload.act as Record<string, unknown> | undefined;
    act && typeof act === 'object';
    act = act.act as Record<string, unknown> | undefined
  ) {
    if (chain.length >= MAX_CHAIN) return 'act chain too deep';
    chain.push(String(act.sub));
  }
  const rawLineage = payload[LINEAGE_CLAIM];
  const lineage = Array.isArray(rawLineage) ? rawLineage.slice(0, MAX_CHAIN + 1).map(String) : [];
  const clientId = payload.client_id;
  const principal: Principal = {
    kind,
    tokenId: payload.jti,
    userId: payload.sub === clientId && !payload.act ? null : payload.sub,
    clientId,
    scopes: typeof payload.scope === 'string' && payload.scope ? payload.scope.split(' ') : [],
    audience,
    chain,
    expiresAt: exp,
    lineage,
  };
  return { principal, revocationIds: [payload.jti, ...lineage], expiresAtMs: exp * 1000, checkedAt: -1 };
}
