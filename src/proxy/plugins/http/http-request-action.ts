import { AppError } from '../../../errors/index.js';
import type { ActionCall, ActionDescriptor, UpstreamRequest } from '../../plugin.js';
import { proxyErrors } from '../../proxy-errors.js';
import { httpPluginErrors } from './http-errors.js';
import type { HttpPluginEntry, HttpRoute } from './http-plugins-options.js';
import { StreamedAnswer } from '../../streamed-answer.js';
import { relayedHeaders } from './relayed-headers.js';
import { checkHeaders } from './safe-headers.js';
import { checkPath, matchesPattern } from './safe-path.js';

/** The input of an http plugin's action: one request under the API's base URL. */
interface HttpRequestInput {
  method?: NonNullable<UpstreamRequest['method']>;
  path: string;
  query?: Record<string, string | number | boolean>;
  headers?: Record<string, string>;
  body?: unknown;
}

/** What an MCP tool call gets back (HTTP relays the answer itself): the upstream's status, content type and body (parsed when it is JSON). */
interface HttpRequestResult {
  status: number;
  content_type: string | null;
  body: unknown;
}

/** The whole answer as one value: the body parsed when the upstream says it is JSON, else its text. */
function wholeResult(status: number, contentType: string | null, raw: Buffer): HttpRequestResult {
  const text = raw.toString('utf8');
  let body: unknown = text;
  if (contentType && /[/+]json\b/i.test(contentType) && text) {
    try {
      body = JSON.parse(text);
    } catch {
      // the upstream says JSON but sends something else: the text as it came
    }
  }
  return { status, content_type: contentType, body };
}

const invalid = (message: string, field: string): never => {
  throw new AppError(proxyErrors.ERR_PROXY_INVALID_INPUT, `${message}; nothing was sent.`, { field });
};

/** The value of the person's key to place (the named field, else the provider's first). */
function keyValue(call: ActionCall, field: string | undefined): string {
  const values = call.upstream.credential().values ?? {};
  const value = field ? values[field] : Object.values(values)[0];
  if (!value) return call.fail('failed', 'The stored credential has no value to send: connect the account again.');
  return value;
}

/**
 * One route of a configured HTTP API as an action: the agent gives method, path (matched against the route's
 * patterns after the traversal checks), query, a few allowed headers and a body; the credential is placed as the
 * entry says. The answer is streamed back as it arrives (the upstream's status, the headers RELAYED_HEADERS lets pass,
 * the raw body, bounded in size and time by the upstream client); over MCP it is one value, `{ status, content_type,
 * body }`.
 */
export function httpRequestAction(entry: HttpPluginEntry, route: HttpRoute): ActionDescriptor<HttpRequestInput, StreamedAnswer> {
  const base = new URL(entry.base_url);
  const basePath = base.pathname.replace(/\/+$/, '');
  const credential = entry.provider ? entry.credential : undefined;
  return {
    name: route.action,
    title: route.title ?? route.action,
    description: `${route.methods.join(', ')} ${route.paths.join(', ')} on ${entry.name ?? entry.id} (${base.host}${basePath}).`,
    scope: route.scope,
    readOnly: route.methods.every((m) => m === 'GET'),
    policy: { constraints: [{ kind: 'path' }] }, // a grant may narrow it to a path prefix and methods
    input: {
      type: 'object',
      properties: {
        method: { enum: route.methods, description: `The HTTP method (default ${route.methods[0]}).` },
        path: {
          type: 'string',
          minLength: 1,
          maxLength: 2048,
          description: `The path under the base URL; one of ${route.paths.join(', ')}.`,
        },
        query: {
          type: 'object',
          maxProperties: 50,
          additionalProperties: { type: ['string', 'number', 'boolean'] },
          description: 'Query parameters.',
        },
        headers: {
          type: 'object',
          maxProperties: 20,
          additionalProperties: { type: 'string', maxLength: 1024 },
          description: 'A few request headers (accept, content-type, if-match, idempotency-key…).',
        },
        body: { description: 'The request body: JSON, or a string sent as is with the content-type header given.' },
      },
      required: ['path'],
      additionalProperties: false,
    },
    async handler(call) {
      const { input, upstream } = call;
      const method = input.method ?? route.methods[0]!;
      const segments = checkPath(input.path);
      if (!route.paths.some((p) => matchesPattern(segments, p)))
        throw new AppError(
          httpPluginErrors.ERR_HTTP_PATH_NOT_ALLOWED,
          `${entry.id}.${route.action} may reach only ${route.paths.join(', ')}; nothing was sent.`,
          { allowed: route.paths },
        );
      const headers = checkHeaders(input.headers);
      if ((method === 'GET' || method === 'DELETE') && input.body !== undefined) invalid(`a ${method} request has no body`, 'body');
      const query = new URLSearchParams(Object.entries(input.query ?? {}).map(([k, v]) => [k, String(v)]));
      if (credential?.in === 'query') {
        if (query.has(credential.name)) invalid(`the query parameter ${credential.name} is the gateway's to set`, 'query');
        query.set(credential.name, keyValue(call, credential.field));
      }
      if (credential?.in === 'header') {
        const name = credential.name.toLowerCase();
        if (name in headers) invalid(`the header ${name} is the gateway's to set`, 'headers');
        headers[name] = `${credential.prefix ?? ''}${keyValue(call, credential.field)}`;
      }
      const search = query.size ? `?${query}` : '';
      const init: UpstreamRequest = { method, headers };
      if (typeof input.body === 'string' && headers['content-type'] && !/json/i.test(headers['content-type'])) init.body = input.body;
      else if (input.body !== undefined) init.json = input.body;
      // The bytes are relayed as they come: ask for them as the upstream stores them
      headers['accept-encoding'] = 'identity';
      const res = await upstream.stream(`${base.origin}${basePath}${input.path}${search}`, init);
      const relayed = relayedHeaders(res.headers);
      return new StreamedAnswer(res.status, relayed, res.body, (raw) => wholeResult(res.status, relayed['content-type'] ?? null, raw));
    },
  };
}
