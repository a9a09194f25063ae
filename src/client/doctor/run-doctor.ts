import * as oauth from 'oauth4webapi';
import { OAuthError } from '../client-errors.js';
import { discoverResourceMetadata, discoverServerMetadata, parseHttpsUrl } from '../discovery/discover.js';
import { httpOptionsFor, isLoopbackUrl, type FetchLike } from '../discovery/http-options.js';
import { resourceMetadataFromChallenge } from '../discovery/resource-metadata-from-challenge.js';
import type { DoctorCheck } from './doctor-check.js';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** The protected resource to check: an MCP server's URL, or a gateway's public URL (its own API resource). */
  url: string;
  /** A confidential client allowed the client_credentials grant, for the `aud` round trip (else that check is skipped). */
  clientId?: string;
  clientSecret?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

const PRIVATE_HOSTS = ['127.0.0.1', '10.0.0.1', '169.254.169.254'];
const THROWAWAY_REDIRECT = 'http://127.0.0.1/callback';

const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Checks a live deployment as an MCP client would, in order: the unauthenticated 401 and its `resource_metadata`
 * challenge, the protected-resource metadata, the AS metadata (issuer, S256, `iss`, token endpoint), registration,
 * the `resource`/`aud` round trip and CIMD's refusal of private addresses. A check that cannot run (an earlier one
 * failed, no client given, no CIMD) is `skip`. Never throws for what the server does; a bad `url` is a ValidationError.
 *
 * The probe: an MCP `initialize` POST to the URL. When that is not a 401 and the URL is the gateway itself (its
 * resource metadata names the URL and its issuer is the URL), the gateway's own API is probed instead
 * (`GET {url}/api/v1/me`), since the gateway's base URL is a page, not an API.
 */
export async function runDoctor(o: DoctorOptions): Promise<DoctorCheck[]> {
  const url = parseHttpsUrl(o.url, 'The URL');
  const f = o.fetch ?? fetch;
  const signal = () => AbortSignal.timeout(o.timeoutMs ?? 15_000);
  const checks: DoctorCheck[] = [];
  const add = (name: string, status: DoctorCheck['status'], detail: string) => checks.push({ name, status, detail });
  const base = url.href.replace(/\/+$/, '');

  // 1. the 401 challenge (the MCP probe first)
  const probe = async (target: string, init: RequestInit) => {
    const res = await f(target, { ...init, redirect: 'manual', signal: signal() });
    await res.body?.cancel();
    return { res, target };
  };
  let challenge: { status: number; header: string | null; target: string } | undefined;
  let challengeError: string | undefined;
  try {
    const { res, target } = await probe(url.href, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'oauth3 doctor', version: '1' } },
      }),
    });
    challenge = { status: res.status, header: res.headers.get('www-authenticate'), target };
  } catch (e) {
    challengeError = `could not reach ${url.href}: ${why(e)}`;
  }
  let metadataUrl = challenge?.status === 401 ? resourceMetadataFromChallenge(challenge.header) : undefined;

  // 2. protected-resource metadata (from the challenge when it names one)
  let rs: oauth.ResourceServer | undefined;
  let rsUrl: string | undefined;
  try {
    const found = await discoverResourceMetadata(url, { resourceMetadataUrl: metadataUrl, fetch: o.fetch, timeoutMs: o.timeoutMs });
    rs = found.metadata;
    rsUrl = found.url;
  } catch (e) {
    add('resource-metadata', 'fail', why(e));
  }
  const servers = (rs?.authorization_servers ?? []).filter((s): s is string => typeof s === 'string');

  // the gateway's own base URL: probe its API instead
  if (rs && challenge?.status !== 401 && servers.some((s) => s.replace(/\/+$/, '') === base)) {
    try {
      const { res, target } = await probe(`${base}/api/v1/me`, { headers: { accept: 'application/json' } });
      challenge = { status: res.status, header: res.headers.get('www-authenticate'), target };
      metadataUrl = res.status === 401 ? resourceMetadataFromChallenge(challenge.header) : undefined;
    } catch (e) {
      challengeError = `could not reach ${base}/api/v1/me: ${why(e)}`;
    }
  }
  const challengeCheck: DoctorCheck = challengeError
    ? { name: 'challenge', status: 'fail', detail: challengeError }
    : challenge!.status !== 401
      ? {
          name: 'challenge',
          status: 'fail',
          detail: `an unauthenticated request to ${challenge!.target} answered ${challenge!.status}, not 401`,
        }
      : !metadataUrl
        ? {
            name: 'challenge',
            status: 'fail',
            detail: `${challenge!.target} answered 401 without WWW-Authenticate: Bearer resource_metadata=… (RFC 9728 §5.1)`,
          }
        : { name: 'challenge', status: 'pass', detail: `${challenge!.target} answers 401 with resource_metadata=${metadataUrl}` };
  checks.unshift(challengeCheck);
  if (rs) {
    if (servers.length === 0) add('resource-metadata', 'fail', `${rsUrl} names no authorization server`);
    else add('resource-metadata', 'pass', `${rsUrl} names the resource ${rs.resource} and the authorization server ${servers[0]}`);
  }

  // 3. AS metadata
  let as: oauth.AuthorizationServer | undefined;
  if (servers[0]) {
    try {
      as = await discoverServerMetadata(parseHttpsUrl(servers[0], 'The authorization server'), { fetch: o.fetch, timeoutMs: o.timeoutMs });
      add('issuer', 'pass', `the authorization server's metadata names the issuer ${as.issuer}`);
    } catch (e) {
      add('issuer', 'fail', why(e));
    }
  } else add('issuer', 'skip', 'no authorization server to check');
  const needsAs = 'skipped: needs the authorization server metadata';
  if (!as) {
    for (const name of ['pkce', 'iss-parameter', 'token-endpoint', 'registration', 'audience', 'cimd-private-addresses'])
      add(name, 'skip', needsAs);
    return checks;
  }

  const methods = as.code_challenge_methods_supported ?? [];
  if (methods.includes('S256')) add('pkce', 'pass', `code_challenge_methods_supported: ${methods.join(', ')}`);
  else
    add(
      'pkce',
      'fail',
      `code_challenge_methods_supported does not list S256 (${methods.length ? methods.join(', ') : 'absent'}): PKCE S256 is required (OAuth 2.1, MCP)`,
    );

  if (as.authorization_response_iss_parameter_supported === true)
    add('iss-parameter', 'pass', 'authorization_response_iss_parameter_supported: true (RFC 9207)');
  else
    add(
      'iss-parameter',
      'fail',
      'authorization_response_iss_parameter_supported is not true: clients cannot check iss on the redirect (RFC 9207, mix-up attacks)',
    );

  const tokenEndpoint = as.token_endpoint;
  if (tokenEndpoint && (tokenEndpoint.startsWith('https://') || (tokenEndpoint.startsWith('http://') && isLoopbackUrl(tokenEndpoint)))) {
    add('token-endpoint', 'pass', tokenEndpoint);
  } else
    add(
      'token-endpoint',
      'fail',
      tokenEndpoint ? `${tokenEndpoint} is not https (plain http only on loopback)` : 'no token_endpoint in the metadata',
    );

  // 4. registration
  const cimd = (as as Record<string, unknown>).client_id_metadata_document_supported === true;
  if (as.registration_endpoint) {
    try {
      const client = await oauth.processDynamicClientRegistrationResponse(
        await oauth.dynamicClientRegistrationRequest(
          as,
          {
            client_name: 'oauth3 doctor (throwaway)',
            redirect_uris: [THROWAWAY_REDIRECT],
            token_endpoint_auth_method: 'none',
            grant_types: ['authorization_code'],
            response_types: ['code'],
          },
          httpOptionsFor(as.registration_endpoint, o.fetch, o.timeoutMs),
        ),
      );
      const manage = client.registration_client_uri as string | undefined;
      const mgmtToken = client.registration_access_token as string | undefined;
      let after = `it stays registered (the server offers no RFC 7592 management to delete it)`;
      if (manage && mgmtToken) {
        const del = await f(manage, { method: 'DELETE', headers: { authorization: `Bearer ${mgmtToken}` }, signal: signal() });
        await del.body?.cancel();
        after = del.status === 204 ? 'deleted afterwards (RFC 7592)' : `deleting it (RFC 7592) answered ${del.status}: it stays`;
      }
      add(
        'registration',
        'pass',
        `dynamic registration gave the public client ${client.client_id}; ${after}${cimd ? '; CIMD advertised too' : ''}`,
      );
    } catch (e) {
      add('registration', 'fail', `dynamic registration at ${as.registration_endpoint} failed: ${await describeOAuth(e)}`);
    }
  } else if (cimd) add('registration', 'pass', 'no dynamic registration, Client ID Metadata Documents advertised');
  else
    add(
      'registration',
      'fail',
      'neither a registration_endpoint nor client_id_metadata_document_supported: every client needs an id issued by hand',
    );

  // 5. resource / aud round trip
  if (!o.clientId || !o.clientSecret || !rs) {
    add('audience', 'skip', 'skipped: needs a client (--client-id and --client-secret, allowed the client_credentials grant)');
  } else {
    try {
      const client: oauth.Client = { client_id: o.clientId };
      const res = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(o.clientSecret),
        { resource: rs.resource },
        httpOptionsFor(tokenEndpoint!, o.fetch, o.timeoutMs),
      );
      const tokens = await oauth.processClientCredentialsResponse(as, client, res);
      const aud = audienceOf(tokens.access_token);
      if (aud === undefined) add('audience', 'skip', 'the access token is not a JWT: its aud cannot be read here');
      else if (aud.includes(rs.resource))
        add('audience', 'pass', `a token asked for resource=${rs.resource} carries aud ${aud.join(', ')}`);
      else add('audience', 'fail', `a token asked for resource=${rs.resource} carries aud ${aud.join(', ') || '(none)'} (RFC 8707)`);
    } catch (e) {
      add('audience', 'fail', `the client_credentials grant failed: ${await describeOAuth(e)}`);
    }
  }

  // 6. CIMD must refuse private addresses
  if (!cimd) add('cimd-private-addresses', 'skip', 'skipped: Client ID Metadata Documents not advertised');
  else if (!as.authorization_endpoint) add('cimd-private-addresses', 'fail', 'no authorization_endpoint in the metadata');
  else {
    const accepted: string[] = [];
    for (const host of PRIVATE_HOSTS) {
      const u = new URL(as.authorization_endpoint);
      const params = {
        response_type: 'code',
        client_id: `https://${host}/oauth3-doctor/client.json`,
        redirect_uri: THROWAWAY_REDIRECT,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        state: 'oauth3-doctor',
        ...(rs ? { resource: rs.resource } : {}),
      };
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      try {
        const res = await f(u.href, { redirect: 'manual', signal: signal() });
        await res.body?.cancel();
        // refused: a 4xx error page (never a redirect: the client's redirect_uri is not trusted); 5xx is a fault
        if (res.status < 400 || res.status >= 500) accepted.push(`${host} (${res.status})`);
      } catch (e) {
        accepted.push(`${host} (${why(e)})`);
      }
    }
    if (accepted.length) add('cimd-private-addresses', 'fail', `/authorize did not refuse a client_id URL on ${accepted.join(', ')}`);
    else add('cimd-private-addresses', 'pass', `/authorize refuses client_id URLs on ${PRIVATE_HOSTS.join(', ')}`);
  }
  return checks;
}

/** An error in words, with an OAuth error response's code and description (never a token). */
async function describeOAuth(e: unknown): Promise<string> {
  if (e instanceof oauth.ResponseBodyError) return `${e.status} ${e.error}${e.error_description ? `: ${e.error_description}` : ''}`;
  if (e instanceof oauth.WWWAuthenticateChallengeError) {
    const body = (await e.response.json().catch(() => ({}))) as { error?: string; error_description?: string };
    const p = { ...e.cause[0]?.parameters, ...body };
    return `${e.status} ${p.error ?? e.cause[0]?.scheme ?? 'challenge'}${p.error_description ? `: ${p.error_description}` : ''}`;
  }
  if (e instanceof OAuthError) return e.message;
  return why(e);
}

/** The `aud` of a JWT access token (as a list), or undefined when it is not a JWT. Not verified: only read. */
function audienceOf(token: string): string[] | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { aud?: unknown };
    return Array.isArray(payload.aud) ? payload.aud.map(String) : typeof payload.aud === 'string' ? [payload.aud] : [];
  } catch {
    return undefined;
  }
}
