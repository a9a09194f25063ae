import * as oauth from 'oauth4webapi';
import { HttpError, OAuthFlowError } from '../client-errors.js';
import type { FetchLike } from './http-options.js';

/** What a metadata document is, for messages: the question a failure asks the person. */
export type MetadataKind = 'resource' | 'server';

const QUESTION: Record<MetadataKind, string> = {
  resource: 'is this an OAuth-protected resource (RFC 9728)?',
  server: 'is this an OAuth server?',
};

/**
 * A `fetch` that remembers the last URL it was asked for (oauth4webapi builds the well-known URLs itself), so a
 * failure names the URL that failed.
 */
export function recordingFetch(inner: FetchLike = fetch): { fetch: FetchLike; last(): string } {
  let last = '';
  return {
    fetch: (input, init) => {
      last = input instanceof Request ? input.url : String(input);
      return inner(input, init);
    },
    last: () => last,
  };
}

/**
 * Sends a metadata request to `url`; a plain-http URL off loopback, a network failure or a timeout becomes an
 * {@link OAuthFlowError} naming the URL.
 */
export async function sendMetadataRequest(url: () => string, send: () => Promise<Response>): Promise<Response> {
  try {
    return await send();
  } catch (e) {
    if (
      e instanceof oauth.OperationProcessingError &&
      (e.code === oauth.HTTP_REQUEST_FORBIDDEN || e.code === oauth.REQUEST_PROTOCOL_FORBIDDEN)
    ) {
      const target = e.cause instanceof URL ? e.cause.href : url();
      throw new OAuthFlowError(`${target} is not https: OAuth metadata must come over https (plain http only on this machine).`, {
        reason: 'insecure_url',
        cause: e,
      });
    }
    if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
      throw new OAuthFlowError(`${url()} did not answer in time: is the server up?`, { reason: 'unreachable', cause: e });
    }
    const why = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
    throw new OAuthFlowError(`Could not reach ${url()}: ${why}.`, { reason: 'unreachable', cause: e });
  }
}

/** The error for a metadata answer that is not 200: the status, and the question it raises. */
export async function notFoundError(res: Response, url: string, kind: MetadataKind, also?: string): Promise<HttpError> {
  const body = await res.text().catch(() => '');
  const where =
    res.status >= 300 && res.status < 400 && res.headers.get('location')
      ? ` (a redirect to ${res.headers.get('location')}, not followed)`
      : '';
  const more = also ? ` and ${also}` : '';
  return new HttpError(`${url} answered ${res.status}${where}${more}: ${QUESTION[kind]}`, {
    reason: 'discovery_failed',
    status: res.status,
    url,
    body,
  });
}

/**
 * Reads a 200 metadata answer with oauth4webapi's `process…` (which compares `issuer`/`resource` with `expected`):
 * a body that is not JSON, lacks the identifier or names another one becomes an {@link OAuthFlowError} a person
 * can act on. `mismatch` words a comparison failure (the value the document names is passed).
 */
export async function processMetadata<T>(
  process: () => Promise<T>,
  res: Response,
  url: string,
  kind: MetadataKind,
  mismatch: (named: string) => OAuthFlowError,
): Promise<T> {
  try {
    return await process();
  } catch (e) {
    if (!(e instanceof oauth.OperationProcessingError)) throw e;
    if (e.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
      const body = (e.cause as { body?: Record<string, unknown> } | undefined)?.body;
      throw mismatch(String(body?.[kind === 'server' ? 'issuer' : 'resource']));
    }
    if (e.code === oauth.RESPONSE_IS_NOT_JSON || e.code === oauth.PARSE_ERROR) {
      const type = res.headers.get('content-type') ?? 'none';
      throw new OAuthFlowError(`${url} did not answer JSON metadata (content-type ${type}): ${QUESTION[kind]}`, {
        reason: 'invalid_metadata',
        detail: e.message,
        cause: e,
      });
    }
    const field = kind === 'server' ? 'issuer' : 'resource';
    throw new OAuthFlowError(`${url} answered metadata without a usable "${field}": ${QUESTION[kind]}`, {
      reason: 'invalid_metadata',
      detail: e.message,
      cause: e,
    });
  }
}
