import type { JSONWebKeySet } from 'jose';
import type { AppContext } from '../../kernel/index.js';
import { InvalidClient, InvalidClientMetadata } from '../../errors/index.js';
import { guardedFetch, FetchRefused } from '../cimd/guarded-fetch.js';
import { cacheLifetimeMs } from '../cimd/cache-lifetime.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
const MAX_KEYS = 5;
const MAX_JSON = 8192;

/**
 * Validates a client's `jwks` (RFC 7591 §2): 1 to 5 public keys (RSA, EC or OKP), none with a private or symmetric
 * member, at most 8 KiB. Throws `problem` (InvalidClientMetadata at registration, InvalidClient for a fetched set).
 */
export function checkJwks(v: unknown, problem: (message: string) => Error = (m) => new InvalidClientMetadata(m)): JSONWebKeySet {
  const keys = (v as { keys?: unknown } | null)?.keys;
  if (!v || typeof v !== 'object' || !Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS)
    throw problem(`jwks must be a JWK Set of 1 to ${MAX_KEYS} public keys`);
  if (JSON.stringify(v).length > MAX_JSON) throw problem(`jwks must be at most ${MAX_JSON} characters`);
  for (const k of keys) {
    if (!k || typeof k !== 'object' || !['RSA', 'EC', 'OKP'].includes((k as { kty?: string }).kty ?? ''))
      throw problem('jwks: every key must be an RSA, EC or OKP public key');
    if (PRIVATE_MEMBERS.some((m) => m in k)) throw problem('jwks must hold public keys only (no private or symmetric key material)');
  }
  return { keys } as JSONWebKeySet;
}

/** Bounds on how long a fetched client JWKS is reused: at least 30 s (a no-store set is not fetched for every
 * authentication), at most an hour (a key the client removed stops being accepted within it). */
const JWKS_LIFETIME = { minMs: 30_000, maxMs: 3600_000 };

/**
 * Fetches a private_key_jwt client's `jwks_uri` through the SSRF guard (the CIMD fetch rules: public addresses only
 * unless allowed, https, size cap, deadline) and checks the set; `ttlMs` is how long it may be reused (its HTTP cache
 * headers, within 30 s to 1 h). Throws InvalidClient when the keys cannot be had.
 */
export async function fetchClientJwks(ctx: AppContext, uri: string): Promise<{ jwks: JSONWebKeySet; ttlMs: number }> {
  let res;
  try {
    res = await guardedFetch(uri, {
      allowRanges: ctx.config.oauthCimdAllowRanges,
      allowHttp: ctx.config.oauthCimdAllowHttp,
      maxBytes: MAX_JSON,
      timeoutMs: 5000,
      maxRedirects: 0,
    });
  } catch (e) {
    throw new InvalidClient(`the client's jwks_uri could not be fetched: ${e instanceof FetchRefused ? e.message : 'fetch failed'}`);
  }
  if (res.status !== 200) throw new InvalidClient(`the client's jwks_uri answered HTTP ${res.status}`);
  let doc: unknown;
  try {
    doc = JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new InvalidClient("the client's jwks_uri is not JSON");
  }
  return {
    jwks: checkJwks(doc, (m) => new InvalidClient(`jwks_uri: ${m}`)),
    ttlMs: cacheLifetimeMs(res.headers, Date.now(), JWKS_LIFETIME),
  };
}
