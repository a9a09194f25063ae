import type { JSONWebKeySet } from 'jose';
import type { AppContext } from '../../kernel/index.js';
import { InvalidClient, InvalidClientMetadata } from '../../errors/index.js';
import { guardedFetch, FetchRefused } from '../cimd/guarded-fetch.js';
import type { OAuthClient } from './oauth-client.js';

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

/**
 * The public keys a private_key_jwt client signs its assertions with: its registered `jwks`, or its `jwks_uri`
 * fetched through the SSRF guard (the CIMD fetch rules: public addresses only unless allowed, https, size cap,
 * deadline). Throws InvalidClient when they cannot be had.
 */
export async function clientJwks(ctx: AppContext, client: OAuthClient): Promise<JSONWebKeySet> {
  if (client.metadata.jwks) return checkJwks(client.metadata.jwks, (m) => new InvalidClient(m));
  const uri = client.metadata.jwks_uri;
  if (typeof uri !== 'string') throw new InvalidClient('this client registered no keys');
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
  return checkJwks(doc, (m) => new InvalidClient(`jwks_uri: ${m}`));
}
