import * as oauth from 'oauth4webapi';
import { dialectRequestOptions, oauthClient, upstreamRequestOptions, type OAuthProvider } from '../providers/index.js';

/** The string or number at a dot path (`data.username`) of a JSON value. */
function atPath(json: unknown, path: string): string | undefined {
  let v: unknown = json;
  for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/**
 * How the connected upstream account is named, as the provider says (`account`): the first of its ID token claims
 * present (the ID token was validated by processAuthorizationCodeResponse), else the first of its userinfo fields.
 * An OpenID Connect userinfo answer must be about the ID token's subject; a plain OAuth one (GitHub's /user, X's
 * /2/users/me) is read as JSON. Null when nothing names it (or userinfo failed): the connection is kept unnamed
 * rather than refused, since the credential itself is good.
 */
export async function upstreamAccount(
  as: oauth.AuthorizationServer,
  provider: OAuthProvider,
  tokens: oauth.TokenEndpointResponse,
  onError: (cause: string) => void,
): Promise<string | null> {
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  for (const c of provider.account.claims) {
    const v = claims ? atPath(claims, c) : undefined;
    if (v) return v;
  }
  if (!provider.account.userinfoFields.length || !as.userinfo_endpoint) return null;
  try {
    const client = oauthClient(provider);
    const response = await oauth.userInfoRequest(
      as,
      client,
      tokens.access_token,
      dialectRequestOptions(provider, upstreamRequestOptions(as.userinfo_endpoint)),
    );
    let info: unknown;
    if (claims) info = await oauth.processUserInfoResponse(as, client, claims.sub, response);
    else if (response.ok) info = await response.json();
    else {
      await response.body?.cancel();
      onError(`userinfo answered HTTP ${response.status}`);
      return null;
    }
    for (const f of provider.account.userinfoFields) {
      const v = atPath(info, f);
      if (v) return v;
    }
    return null;
  } catch (e) {
    onError(`userinfo failed: ${(e as Error).name}`);
    return null;
  }
}
