import { createHash } from 'node:crypto';
import type { AppContext } from '../../kernel/index.js';
import type { SigningAlg } from '../../crypto/index.js';

/**
 * An OpenID Connect ID token (Core §2) for the code flow when `openid` was granted: signed with the client's
 * `id_token_signed_response_alg` (RS256 by default, OpenID Connect Registration §2; ES256 when registered), `aud` is the client, `nonce` echoes the authorization request, `at_hash` binds it to
 * the access token issued with it (§3.1.3.6), `auth_time` is when the person signed in (§2, needed with max_age).
 * It carries no profile claims: those come from /userinfo.
 */
export async function idToken(
  ctx: AppContext,
  o: { userId: string; clientId: string; nonce: string | null; accessToken: string; authTime: number | null; alg: SigningAlg },
): Promise<string> {
  await ctx.keys.ensure(o.alg);
  const iat = Math.floor(Date.now() / 1000);
  const digest = createHash('sha256').update(o.accessToken).digest();
  return ctx.keys.sign(
    {
      iss: ctx.config.publicUrl,
      sub: o.userId,
      aud: o.clientId,
      iat,
      exp: iat + ctx.config.oauthAccessTokenTtl,
      at_hash: digest.subarray(0, 16).toString('base64url'),
      ...(o.nonce ? { nonce: o.nonce } : {}),
      ...(o.authTime !== null ? { auth_time: Math.floor(o.authTime / 1000) } : {}),
    },
    { typ: 'JWT' },
    o.alg,
  );
}
