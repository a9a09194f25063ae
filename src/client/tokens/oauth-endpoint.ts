import * as oauth from 'oauth4webapi';
import type { StoredCredentials } from '../stored-credentials.js';

/** True for an http URL on this machine (loopback), the only plain-http endpoint the client talks to. */
export function isLoopbackHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(u.hostname));
}

/** oauth4webapi's view of the stored server, client and client authentication. */
export function oauthParts(c: StoredCredentials): { as: oauth.AuthorizationServer; client: oauth.Client; auth: oauth.ClientAuth } {
  const as: oauth.AuthorizationServer = {
    issuer: c.issuer,
    token_endpoint: c.server.token_endpoint,
    revocation_endpoint: c.server.revocation_endpoint,
  };
  const client: oauth.Client = { client_id: c.client.client_id };
  const secret = c.client.client_secret ?? '';
  const auth =
    c.client.token_endpoint_auth_method === 'client_secret_basic'
      ? oauth.ClientSecretBasic(secret)
      : c.client.token_endpoint_auth_method === 'client_secret_post'
        ? oauth.ClientSecretPost(secret)
        : oauth.None();
  return { as, client, auth };
}
