import { createLocalJWKSet, decodeJwt, jwtVerify, errors as joseErrors, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { AppContext } from '../../kernel/index.js';
import { sha256 } from '../../crypto/index.js';
import { InvalidClient, InvalidRequest } from '../../errors/index.js';
import { findClient } from './find-client.js';
import type { ClientJwksCache } from './client-jwks-cache.js';
import type { ClientCredentialsInput } from './authenticate-client.js';
import type { OAuthClient } from './oauth-client.js';

/** RFC 7523 §2.2 `client_assertion_type`. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Algorithms a client assertion may be signed with (asymmetric only: client_secret_jwt is not offered). */
export const ASSERTION_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
/** The longest an assertion may live (its `exp` from now): short, so remembering its jti until then is cheap. */
const MAX_LIFETIME_S = 300;

/** True when the request authenticates with a client assertion (its parameters are present). */
export function hasClientAssertion(input: ClientCredentialsInput): boolean {
  return input.body.client_assertion_type !== undefined || input.body.client_assertion !== undefined;
}

/**
 * RFC 7523 §2.2 / §3 client authentication (`private_key_jwt`): the assertion is signed by one of the client's
 * registered keys, `iss` and `sub` are its client_id, `aud` is the token endpoint or the issuer, `exp` is at most
 * five minutes away and its `jti` is accepted once (remembered in the database until it expires, so on every
 * instance). The client's keys come from `keys` (a jwks_uri set is cached; an unknown key id gets one refetch).
 * Throws InvalidClient (401) or InvalidRequest.
 */
export async function authenticateAssertion(ctx: AppContext, input: ClientCredentialsInput, keys: ClientJwksCache): Promise<OAuthClient> {
  const { body } = input;
  if (input.authorization !== undefined || body.client_secret !== undefined)
    throw new InvalidRequest('use one client authentication method, not several');
  if (body.client_assertion_type !== JWT_BEARER_ASSERTION) throw new InvalidClient(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
  const assertion = body.client_assertion;
  if (typeof assertion !== 'string' || assertion.length > 8192) throw new InvalidClient('client_assertion is missing');
  let claimed;
  try {
    claimed = decodeJwt(assertion);
  } catch {
    throw new InvalidClient('client_assertion is not a JWT');
  }
  const id = claimed.sub;
  if (typeof id !== 'string' || claimed.iss !== id) throw new InvalidClient('client_assertion: iss and sub must be the client_id');
  if (body.client_id !== undefined && body.client_id !== id) throw new InvalidRequest('client_id differs from the client_assertion');
  const client = await findClient(ctx.db, id);
  if (!client) throw new InvalidClient('unknown client or wrong credentials');
  if (client.tokenEndpointAuthMethod !== 'private_key_jwt')
    throw new InvalidClient(`this client authenticates with ${client.tokenEndpointAuthMethod}, not private_key_jwt`);
  const issuer = ctx.config.publicUrl;
  const verify = async (jwks: JSONWebKeySet): Promise<JWTPayload> =>
    (
      await jwtVerify(assertion, createLocalJWKSet(jwks), {
        issuer: id,
        subject: id,
        audience: [`${issuer}/token`, issuer],
        algorithms: ASSERTION_ALGS,
        requiredClaims: ['exp', 'jti'],
      })
    ).payload;
  let payload;
  try {
    const known = await keys.keys(client);
    try {
      payload = await verify(known.jwks);
    } catch (e) {
      // A key the cached set lacks: the client may have rotated since it was fetched.
      const fresh = known.cached && e instanceof joseErrors.JWKSNoMatchingKey ? await keys.refetch(client) : undefined;
      if (!fresh) throw e;
      payload = await verify(fresh);
    }
  } catch (e) {
    if (e instanceof InvalidClient) throw e;
    const reason = e instanceof joseErrors.JOSEError ? e.code : 'invalid';
    throw new InvalidClient(`client_assertion refused (${reason})`);
  }
  const now = Math.floor(Date.now() / 1000);
  if (payload.exp! - now > MAX_LIFETIME_S) throw new InvalidClient(`client_assertion: exp must be at most ${MAX_LIFETIME_S} s away`);
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256)
    throw new InvalidClient('client_assertion: jti must be a string');
  const used = await ctx.db
    .insertInto('oauth_client_assertions')
    .values({ jti_hash: sha256(`${id} ${payload.jti}`), expires_at: payload.exp! * 1000 })
    .onConflict((oc) => oc.column('jti_hash').doNothing())
    .executeTakeFirst();
  if (Number(used.numInsertedOrUpdatedRows ?? 0) === 0) throw new InvalidClient('client_assertion was already used (jti)');
  return client;
}
