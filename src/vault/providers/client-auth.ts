import * as oauth from 'oauth4webapi';
import type { OAuthProvider } from './provider.js';

/** The oauth4webapi client of a provider (the gateway's registration there). */
export function oauthClient(provider: OAuthProvider): oauth.Client {
  return { client_id: provider.clientId };
}

/** How the gateway authenticates at the provider's token and revocation endpoints (RFC 6749 §2.3), for oauth4webapi. */
export function clientAuth(provider: OAuthProvider): oauth.ClientAuth {
  const secret = () => {
    // Validation requires a secret for these methods; a provider built by hand may lack one.
    if (!provider.clientSecret) throw new Error(`provider "${provider.id}": ${provider.tokenEndpointAuthMethod} needs a client secret`);
    return provider.clientSecret;
  };
  switch (provider.tokenEndpointAuthMethod) {
    case 'client_secret_basic':
      return oauth.ClientSecretBasic(secret());
    case 'client_secret_post':
      return oauth.ClientSecretPost(secret());
    case 'none':
      return oauth.None();
  }
}
