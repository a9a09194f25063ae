import * as oauth from 'oauth4webapi';
import { HttpError, OAuthFlowError, ValidationError } from '../client-errors.js';
import { httpOptionsFor, isLoopbackUrl, type FetchLike } from './http-options.js';
import { notFoundError, processMetadata, recordingFetch, sendMetadataRequest } from './metadata-request.js';

/** What {@link discover} found: the authorization server, and the protected resource when one was given. */
export interface Discovered {
  /** The authorization server's issuer, exactly as its metadata names it (and as discovery expected). */
  issuer: string;
  /** Its RFC 8414 metadata. */
  as: oauth.AuthorizationServer;
  /** The protected resource's identifier as its metadata names it: the RFC 8707 `resource` to ask tokens for. */
  resource?: string;
  /** Its RFC 9728 metadata. */
  resourceMetadata?: oauth.ResourceServer;
  /** Where the resource metadata was read. */
  resourceMetadataUrl?: string;
}

/** Options of {@link discover}: a resource URL, a server (issuer) URL, or both. */
export interface DiscoverOptions {
  /** A protected resource (an MCP server's URL, the gateway's API): RFC 9728 first, then its authorization server. */
  resource?: string;
  /**
   * The authorization server's issuer URL. Alone: RFC 8414 on it. With `resource`: it must be one of the
   * resource's `authorization_servers`, and is the one used.
   */
  server?: string;
  /** The `resource_metadata` URL of the resource's 401 challenge ({@link resourceMetadataFromChallenge}), if known. */
  resourceMetadataUrl?: string;
  fetch?: FetchLike;
  /** Per request (default 15 s). */
  timeoutMs?: number;
}

/** `value` as a URL, https (plain http only on loopback) and without a fragment, else a {@link ValidationError} naming `what`. */
export function parseHttpsUrl(value: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ValidationError(`${what} "${value}" is not a URL: give an absolute https URL.`, { reason: 'invalid_url' });
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackUrl(u))) {
    throw new ValidationError(`${what} ${u.href} is not https: only a URL on this machine may be plain http.`, { reason: 'insecure_url' });
  }
  if (u.hash) throw new ValidationError(`${what} ${u.href} has a fragment (#…): leave it out.`, { reason: 'invalid_url' });
  return u;
}

const same = (a: string, b: string | URL) => {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
};

/**
 * Finds the authorization server (and the protected resource) the way an MCP client does, with oauth4webapi.
 * Given a resource URL: its RFC 9728 metadata from `resourceMetadataUrl` (a 401's challenge), else the
 * path-inserted `/.well-known/oauth-protected-resource{path}`, else (404) the origin's root document (as MCP clients
 * do); the document's `resource` must be the URL, wherever it was read (a root document naming the origin is
 * another resource's, refused); its first `authorization_servers` entry (or `server`, when it is listed).
 * Then RFC 8414 on the issuer: `/.well-known/oauth-authorization-server{path}`, else (4xx) OpenID discovery
 * (`{issuer}/.well-known/openid-configuration`); the document's `issuer` must be the issuer exactly.
 * Every failure is an {@link OAuthFlowError} or {@link HttpError} whose message names the URL and what to check.
 */
export async function discover(o: DiscoverOptions): Promise<Discovered> {
  if (!o.resource && !o.server)
    throw new ValidationError('Nothing to discover: give a resource URL or a server URL.', { reason: 'invalid_request' });
  if (!o.resource) {
    const as = await discoverServerMetadata(parseHttpsUrl(o.server!, 'The server URL'), o);
    return { issuer: as.issuer, as };
  }
  const resourceUrl = parseHttpsUrl(o.resource, 'The resource URL');
  const serverUrl = o.server ? parseHttpsUrl(o.server, 'The server URL') : undefined;
  const { metadata, url } = await discoverResourceMetadata(resourceUrl, o);
  const servers = (metadata.authorization_servers ?? []).filter((s): s is string => typeof s === 'string');
  if (servers.length === 0) {
    throw new OAuthFlowError(
      `${url} names no authorization server (authorization_servers is empty): the resource says nowhere to log in.`,
      {
        reason: 'no_authorization_server',
      },
    );
  }
  const chosen = serverUrl ? servers.find((s) => same(s, serverUrl)) : servers[0];
  if (!chosen) {
    throw new OAuthFlowError(
      `${resourceUrl.href} does not name ${serverUrl!.href} as an authorization server (it names ${servers.join(', ')}).`,
      {
        reason: 'server_mismatch',
      },
    );
  }
  const as = await discoverServerMetadata(parseHttpsUrl(chosen, `The authorization server ${chosen} (named by ${url})`), o);
  return { issuer: as.issuer, as, resource: metadata.resource, resourceMetadata: metadata, resourceMetadataUrl: url };
}

/**
 * RFC 9728 alone (the first half of {@link discover}): the resource's metadata and where it was read, its `resource`
 * compared with the URL.
 */
export async function discoverResourceMetadata(
  resourceUrl: URL,
  o: Omit<DiscoverOptions, 'resource' | 'server'>,
): Promise<{ metadata: oauth.ResourceServer; url: string }> {
  const rec = recordingFetch(o.fetch);
  // the metadata read from `url`, its `resource` compared with the URL asked about
  const read = async (res: Response, url: string) => ({
    metadata: await processMetadata(
      () => oauth.processResourceDiscoveryResponse(resourceUrl, res),
      res,
      url,
      'resource',
      (named: string) =>
        new OAuthFlowError(
          `${url} names the resource "${named}", not "${resourceUrl.href}" (RFC 9728 §3.3): the resource's public URL is misconfigured, or this URL is not the resource.`,
          { reason: 'resource_mismatch' },
        ),
    ),
    url,
  });
  if (o.resourceMetadataUrl) {
    const url = parseHttpsUrl(o.resourceMetadataUrl, 'The resource_metadata URL').href;
    const res = await sendMetadataRequest(
      () => url,
      () =>
        rec.fetch(url, {
          headers: { accept: 'application/json' },
          redirect: 'manual',
          signal: AbortSignal.timeout(o.timeoutMs ?? 15_000),
        }),
    );
    if (res.status !== 200) throw await notFoundError(res, url, 'resource');
    return read(res, url);
  }
  const options = httpOptionsFor(resourceUrl, rec.fetch, o.timeoutMs);
  const res = await sendMetadataRequest(rec.last, () => oauth.resourceDiscoveryRequest(resourceUrl, options));
  const url = rec.last();
  if (res.status === 200) return read(res, url);
  if (res.status !== 404 || resourceUrl.pathname === '/') throw await notFoundError(res, url, 'resource');
  // RFC 9728 §3.1 names the path-inserted form; MCP clients also try the origin's root document.
  await res.body?.cancel();
  const origin = new URL(resourceUrl.origin);
  const rootRes = await sendMetadataRequest(rec.last, () => oauth.resourceDiscoveryRequest(origin, options));
  const rootUrl = rec.last();
  if (rootRes.status !== 200) throw await notFoundError(rootRes, url, 'resource', `${rootUrl} answered ${rootRes.status}`);
  return read(rootRes, rootUrl);
}

/** RFC 8414, then OpenID discovery (the second half of {@link discover}); the issuer compared exactly. */
export async function discoverServerMetadata(
  issuer: URL,
  o: Omit<DiscoverOptions, 'resource' | 'server'>,
): Promise<oauth.AuthorizationServer> {
  const rec = recordingFetch(o.fetch);
  const options = httpOptionsFor(issuer, rec.fetch, o.timeoutMs);
  const mismatch = (url: string) => (named: string) =>
    new OAuthFlowError(
      `${url} names the issuer "${named}", not "${issuer.href}": an issuer must match exactly (RFC 8414 §3.3); the server's public URL is probably misconfigured.`,
      { reason: 'issuer_mismatch' },
    );
  let first: { res: Response; url: string } | undefined;
  for (const algorithm of ['oauth2', 'oidc'] as const) {
    const res = await sendMetadataRequest(rec.last, () => oauth.discoveryRequest(issuer, { ...options, algorithm }));
    const url = rec.last();
    if (res.status === 200) return processMetadata(() => oauth.processDiscoveryResponse(issuer, res), res, url, 'server', mismatch(url));
    if (first || res.status < 400 || res.status >= 500) {
      if (!first) throw await notFoundError(res, url, 'server');
      await res.body?.cancel();
      throw await notFoundError(first.res, first.url, 'server', `${url} answered ${res.status}`);
    }
    first = { res, url };
  }
  /* c8 ignore next */
  throw new HttpError(`${issuer.href} has no metadata: is this an OAuth server?`, {
    reason: 'discovery_failed',
    status: 404,
    url: issuer.href,
  });
}
