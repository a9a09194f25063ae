import { defineErrorCodes } from './error-code.js';

/** The generic HTTP error codes, used by every domain and by the error handler for framework errors. */
export const httpErrors = defineErrorCodes({
  ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  ERR_VALIDATION: { status: 400, message: 'The request body or parameters are invalid.' },
  ERR_INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  ERR_UNAUTHENTICATED: { status: 401, message: 'Authentication is required.' },
  ERR_FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  ERR_NOT_FOUND: { status: 404, message: 'No such resource.' },
  ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No such route.' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here.' },
  ERR_CONFLICT: { status: 409, message: 'This conflicts with existing data.' },
  ERR_REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time.' },
  ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This content type is not supported here.' },
  ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; slow down.' },
  ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.' },
  ERR_INTERNAL: { status: 500, message: 'Internal error.' },
  ERR_DATABASE_UNAVAILABLE: { status: 503, message: 'The database cannot be reached right now; try again shortly.' },
});
