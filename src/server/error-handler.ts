import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, OAuthError, TemporarilyUnavailable, httpErrors, type ErrorCode } from '../errors/index.js';
import { isDatabaseUnavailable } from '../store/index.js';
import { drainUnreadBody } from './drain-unread-body.js';
import { sendErrorPage, wantsHtml } from './error-page.js';

const e = httpErrors;
/** Seconds a client should wait before retrying while the database cannot be reached. */
const DATABASE_RETRY_AFTER = 2;
const byStatus: Record<number, ErrorCode> = {
  400: e.ERR_BAD_REQUEST,
  401: e.ERR_UNAUTHENTICATED,
  403: e.ERR_FORBIDDEN,
  404: e.ERR_NOT_FOUND,
  405: e.ERR_METHOD_NOT_ALLOWED,
  409: e.ERR_CONFLICT,
  413: e.ERR_BODY_TOO_LARGE,
  415: e.ERR_UNSUPPORTED_MEDIA_TYPE,
  429: e.ERR_RATE_LIMITED,
};

/** Turns a Fastify framework error (parser, validation, limits) into an AppError with a stable code. */
function fromFastify(err: FastifyError): AppError | undefined {
  if (err.validation)
    return new AppError(
      e.ERR_VALIDATION,
      `${err.validationContext ?? 'request'} ${err.validation[0]?.instancePath ?? ''} ${err.validation[0]?.message ?? 'is invalid'}`
        .replace(/\s+/g, ' ')
        .trim(),
    );
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err instanceof SyntaxError && err.statusCode === 400))
    return new AppError(e.ERR_INVALID_JSON);
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return new AppError(e.ERR_INVALID_JSON, 'The request body is empty but the content type is JSON.');
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AppError(e.ERR_UNSUPPORTED_MEDIA_TYPE);
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError(e.ERR_BODY_TOO_LARGE);
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new AppError(byStatus[status] ?? e.ERR_BAD_REQUEST, status === 429 ? undefined : err.message);
  return undefined;
}

/** Quotes a value for an RFC 6750 auth-param. */
const quote = (v: string) => `"${v.replace(/["\\]/g, '')}"`;

/** The headers of an OAuth error per RFC 6749 §5.2: no-store, and WWW-Authenticate for bearer and client errors. */
export function oauthErrorHeaders(err: OAuthError): Record<string, string> {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
  if (err.status === 401 || err.wwwAuthenticate) {
    const scheme = err.error === 'invalid_client' ? 'Basic' : 'Bearer';
    const params: Record<string, string> = { ...(err.error === 'invalid_client' ? {} : { error: err.error }), ...err.wwwAuthenticate };
    if (err.error_description && scheme === 'Bearer') params.error_description = err.error_description;
    const list = Object.entries(params)
      .map(([k, v]) => `${k}=${quote(v)}`)
      .join(', ');
    headers['www-authenticate'] = list ? `${scheme} ${list}` : scheme;
  }
  return headers;
}

/** An error's answer: status, headers and JSON body. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Where errorAnswer logs: a request's logger. */
export interface FailureLog {
  error(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

/**
 * The answer to an error. OAuth errors keep their RFC shape; on an OAuth route (`oauth`) any other client error
 * but 429 becomes `invalid_request` with its message; other client errors get `{ error: CODE, message }`. A 5xx
 * is logged (`log.error`, with its stack) and answered without detail (`server_error` on an OAuth route): stack
 * traces never reach a client. The database being unreachable (PostgreSQL down or restarting, SQLite locked) is a
 * 503 with Retry-After (`temporarily_unavailable` on an OAuth route), logged as a warning without a stack: during an
 * outage every request answers so, and it is the database's state, not a bug. The error handler and the fast lanes
 * both answer with this.
 */
export function errorAnswer(error: unknown, oauth: boolean, log: FailureLog): ErrorAnswer {
  if (error instanceof OAuthError) return { status: error.status, headers: oauthErrorHeaders(error), body: error.toJSON() };
  if (!(error instanceof AppError) && isDatabaseUnavailable(error)) {
    // logged as `cause`: the logger redacts any `code` field (OAuth authorization codes)
    const err = error as { code?: unknown; name?: unknown; message?: unknown };
    log.warn({ cause: err.code ?? err.name, reason: String(err.message ?? error) }, 'database unavailable: answered 503');
    if (oauth) {
      const unavailable = new TemporarilyUnavailable(e.ERR_DATABASE_UNAVAILABLE.message);
      unavailable.retryAfter = DATABASE_RETRY_AFTER;
      return { status: 503, headers: oauthErrorHeaders(unavailable), body: unavailable.toJSON() };
    }
    return {
      status: 503,
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER) },
      body: new AppError(e.ERR_DATABASE_UNAVAILABLE).toJSON(),
    };
  }
  const appError = error instanceof AppError ? error : fromFastify(error as FastifyError);
  if (appError && appError.status < 500) {
    // A 413 keeps its status (a client can tell "send less" from a bad parameter); 429 keeps its own shape.
    if (oauth && appError.status !== 429)
      return errorAnswer(new OAuthError(appError.status === 413 ? 413 : 400, 'invalid_request', appError.message), oauth, log);
    const headers: Record<string, string> = appError.retryAfter !== undefined ? { 'retry-after': String(appError.retryAfter) } : {};
    return { status: appError.status, headers, body: appError.toJSON() };
  }
  log.error({ err: error }, 'request failed');
  if (oauth) return { status: 500, headers: { 'cache-control': 'no-store' }, body: { error: 'server_error' } };
  const out = appError ?? new AppError(e.ERR_INTERNAL);
  return {
    status: out.status,
    headers: {},
    body: { error: out.code, message: out.status >= 500 && !(error instanceof AppError) ? 'Internal error.' : out.message },
  };
}

/**
 * The one error handler (see errorAnswer); routes marked `config: { oauth: true }` answer in OAuth's shape. A person's
 * browser (accepts HTML, not /api/*, not OAuth) gets the same status as a page with a way forward (see error-page.tsx).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const oauth = request.routeOptions.config?.oauth === true;
    const answer = errorAnswer(error, oauth, request.log);
    drainUnreadBody(request, reply); // answered before the body was read (413, 415…): let the client read the answer
    if (wantsHtml(request, oauth)) return sendErrorPage(request, reply.headers(answer.headers), answer.status, answer.body);
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body = new AppError(e.ERR_ROUTE_NOT_FOUND, `No route ${request.method} ${request.url.split('?')[0]}.`).toJSON();
    if (wantsHtml(request, false)) return sendErrorPage(request, reply, 404, body);
    return reply.code(404).send(body);
  });
}
