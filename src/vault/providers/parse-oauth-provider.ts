import { SCOPE_TOKEN } from '../../kernel/index.js';
import type { EntryReader } from './entry-reader.js';
import type { OAuthProvider } from './provider.js';

/** The fields of an `oauth2` / `oidc` entry. */
export const oauthFields = [
  'id',
  'name',
  'kind',
  'preset',
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'revocation_endpoint',
  'userinfo_endpoint',
  'client_id',
  'client_secret',
  'client_secret_env',
  'scopes',
  'scope_separator',
  'pkce',
  'token_endpoint_auth_method',
  'authorize_params',
  'account',
  'refresh_margin',
  'token_types',
  'error_style',
] as const;

/** Authorize parameters the connect flow sets itself: an entry may not replace them. */
const FLOW_PARAMETERS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
];

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;

/** The client secret: given inline, or read from the environment variable `client_secret_env` names. */
function clientSecret(r: EntryReader, env: NodeJS.ProcessEnv): string | undefined {
  const inline = r.string('client_secret');
  const name = r.string('client_secret_env');
  if (inline !== undefined && name !== undefined) r.fail('client_secret_env', 'cannot be given with client_secret (choose one)');
  if (name === undefined) return inline;
  // The start refuses OAUTH3_* variables that are not options (a misspelt option must not pass unnoticed).
  if (name.startsWith('OAUTH3_'))
    r.fail('client_secret_env', `names ${name}: OAUTH3_ variables are the gateway's options, use another name`);
  const value = env[name]?.trim();
  if (!value) r.fail('client_secret_env', `names ${name}, which is not set`);
  return value;
}

/** How the upstream account is named: `{claims?, userinfo_fields?}`, or one name (a claim for oidc, a userinfo field for oauth2). */
function account(r: EntryReader, kind: OAuthProvider['kind']): OAuthProvider['account'] {
  const raw = r.entry.account;
  if (raw === undefined || raw === null)
    return kind === 'oidc' ? { claims: ['email', 'preferred_username', 'sub'], userinfoFields: [] } : { claims: [], userinfoFields: [] };
  if (typeof raw === 'string') {
    const name = r.string('account')!;
    return kind === 'oidc' ? { claims: [name], userinfoFields: [] } : { claims: [], userinfoFields: [name] };
  }
  const a = r.nested('account', r.object('account')!);
  a.refuseUnknown(['claims', 'userinfo_fields']);
  const claims = a.list('claims') ?? [];
  if (claims.length > 0 && kind !== 'oidc') a.fail('claims', 'needs kind oidc (an oauth2 provider issues no ID token)');
  const userinfoFields = a.list('userinfo_fields') ?? [];
  if (claims.length + userinfoFields.length === 0) r.fail('account', 'must name at least one claim or userinfo field');
  return { claims, userinfoFields };
}

/** Validates an `oauth2` / `oidc` entry (already merged with its preset) into an OAuthProvider. */
export function parseOAuthProvider(
  r: EntryReader,
  base: { id: string; name: string; kind: OAuthProvider['kind'] },
  env: NodeJS.ProcessEnv,
  refreshMarginSeconds: number,
): OAuthProvider {
  r.refuseUnknown(oauthFields);
  const issuer = r.url('issuer');
  const authorizationEndpoint = r.url('authorization_endpoint');
  const tokenEndpoint = r.url('token_endpoint');
  if (base.kind === 'oidc' && !issuer) r.fail('issuer', 'is required for an oidc provider');
  if (!issuer) {
    if (!authorizationEndpoint) r.fail('authorization_endpoint', 'is required (or issuer, for discovery)');
    if (!tokenEndpoint) r.fail('token_endpoint', 'is required (or issuer, for discovery)');
  }
  const clientId = r.required('client_id');
  const secret = clientSecret(r, env);
  const method = r.oneOf('token_endpoint_auth_method', AUTH_METHODS, secret ? 'client_secret_basic' : 'none');
  if (method !== 'none' && !secret) r.fail('client_secret', `is required for ${method} (or client_secret_env)`);
  if (method === 'none' && secret) r.fail('client_secret', 'is given but token_endpoint_auth_method is none');
  const pkce = r.bool('pkce', true);
  if (method === 'none' && !pkce) r.fail('pkce', 'must be true for a public client (token_endpoint_auth_method none)');
  const scopeSeparator = r.oneOf('scope_separator', [' ', ','], ' ');
  const scopes = r.list('scopes', scopeSeparator === ' ' ? undefined : scopeSeparator) ?? [];
  const bad = scopes.find((s) => !SCOPE_TOKEN.test(s) || s.includes(scopeSeparator));
  if (bad !== undefined) r.fail('scopes', `"${bad}" is not a valid scope`);
  if (base.kind === 'oidc' && !scopes.includes('openid')) r.fail('scopes', 'must include openid for an oidc provider');
  const authorizeParams = r.stringMap('authorize_params') ?? {};
  const taken = Object.keys(authorizeParams).find((k) => FLOW_PARAMETERS.includes(k));
  if (taken) r.fail(`authorize_params.${taken}`, 'is set by the connect flow and cannot be configured');
  const tokenTypes = r.list('token_types');
  const badType = tokenTypes?.find((t) => !/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(t));
  if (badType !== undefined) r.fail('token_types', `"${badType}" is not a token type name`);
  const provider: OAuthProvider = {
    ...base,
    issuer,
    authorizationEndpoint,
    tokenEndpoint,
    revocationEndpoint: r.url('revocation_endpoint'),
    userinfoEndpoint: r.url('userinfo_endpoint'),
    clientId,
    clientSecret: secret,
    tokenEndpointAuthMethod: method,
    scopes,
    scopeSeparator,
    pkce,
    authorizeParams,
    account: account(r, base.kind),
    refreshMarginSeconds: r.int('refresh_margin', refreshMarginSeconds, 0, 86400),
    tokenTypes,
    errorStyle: r.oneOf('error_style', ['oauth', 'ok_false'] as const, 'oauth') === 'ok_false' ? 'ok_false' : undefined,
  };
  if (provider.account.userinfoFields.length > 0 && !provider.userinfoEndpoint && !issuer)
    r.fail('userinfo_endpoint', 'is required to name the account by a userinfo field (or issuer, for discovery)');
  // Drop absent optional fields, so a provider compares and prints as its entry reads.
  for (const k of Object.keys(provider) as (keyof OAuthProvider)[]) if (provider[k] === undefined) delete provider[k];
  return provider;
}
