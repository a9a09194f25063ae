import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, OAuthError, type ErrorCode } from '../errors/index.js';

const byStatus: Record<number, ErrorCode> = {
  400: 'ERR_BAD_REQUEST', 401: 'ERR_UNAUTHENTICATED', 403: 'ERR_FORBIDDEN', 404: 'ERR_NOT_FOUND', 405: 'ERR_METHOD_NOT_ALLOWED',
  409: 'ERR_CONFLICT', 413: 'ERR_BODY_TOO_LARGE', 415: 'ERR_UNSUPPORTED_MEDIA_TYPE', 429: 'ERR_RATE_LIMITED',
};

/** Turns a Fastify framework error (parser, validation, limits) into an AppError with a stable code. */
function fromFastify(err: FastifyError): AppError | undefined {
  if (err.validation) return new AppError('ERR_VALIDATION', `${err.validationContext ?? 'request'} ${err.validation[0]?.instancePath ?? ''} ${err.validation[0]?.message ?? 'is invalid'}`.replace(/\s+/g, ' ').trim());
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err instanceof SyntaxError && err.statusCode === 400)) return new AppError('ERR_INVALID_JSON');
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new AppError('ERR_INVALID_JSON', 'The request body is empty but the content type is JSON.');
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AppError('ERR_UNSUPPORTED_MEDIA_TYPE');
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('ERR_BODY_TOO_LARGE');
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new AppError(byStatus[status] ?? 'ERR_BAD_REQUEST', status === 429 ? undefined : err.message);
  return undefined;
}

/** Quotes a value for an RFC 6750 auth-param. */
const quote = (v: string) => `"${v.replace(/["\\]/g, '')}"`;

/** The headers of an OAuth error per RFC 6749 §5.2: no-store, and WWW-Authenticate for bearer and client errors. */
export function oauthErrorHeaders(err: OAuthError): Record<string, string> {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (err.status === 401 || err.wwwAuthenticate) {
    const scheme = err.error === 'invalid_client' ? 'Basic' : 'Bearer';
    const params: Record<string, string> = { ...(err.error === 'invalid_client' ? {} : { error: err.error }), ...err.wwwAuthenticate };
    if (err.error_description && scheme === 'Bearer') params.error_description = err.error_description;
    const list = Object.entries(params).map(([k, v]) => `${k}=${quote(v)}`).join(', ');
    headers['www-authenticate'] = list ? `${scheme} ${list}` : scheme;
  }
  return headers;
}

/** Serialises an OAuth error per RFC 6749 §5.2. */
export function sendOAuthError(reply: FastifyReply, err: OAuthError): FastifyReply {
  return reply.code(err.status).headers(oauthErrorHeaders(err)).send(err.toJSON());
}

/**
 * What an OAuth route (`config: { oauth: true }`) answers for an error: an OAuthError as it is, any other client
 * error (but 429) as `invalid_request` with its message; undefined for anything else (a 500 `server_error`).
 */
export function asOAuthError(error: unknown): OAuthError | undefined {
  if (error instanceof OAuthError) return error;
  const appError = error instanceof AppError ? error : fromFastify(error as FastifyError);
  if (appError && appError.status < 500 && appError.status !== 429) return new OAuthError(400, 'invalid_request', appError.message);
  return undefined;
}

/**
 * The one error handler. OAuth errors keep their RFC shape; routes marked `config: { oauth: true }` turn any
 * other client error into `invalid_request`; everything else gets `{ error: CODE, message }`. A 5xx is logged
 * and answered without detail: stack traces never reach a client.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const oauthRoute = error instanceof OAuthError || (request.routeOptions.config as { oauth?: boolean } | undefined)?.oauth;
    const oauthError = oauthRoute ? asOAuthError(error) : undefined;
    if (oauthError) return sendOAuthError(reply, oauthError);
    const appError = error instanceof AppError ? error : fromFastify(error);
    if (appError && appError.status < 500) return reply.code(appError.status).send(appError.toJSON());
    request.log.error({ err: error }, 'request failed');
    if (oauthRoute) return reply.code(500).header('cache-control', 'no-store').send({ error: 'server_error' });
    const out = appError ?? new AppError('ERR_INTERNAL');
    return reply.code(out.status).send({ error: out.code, message: out.status >= 500 && !(error instanceof AppError) ? 'Internal error.' : out.message });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(new AppError('ERR_ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`).toJSON());
  });
}
