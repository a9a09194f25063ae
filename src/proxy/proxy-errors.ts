import { defineErrorCodes } from '../errors/index.js';

/** The proxy's error codes: each names what was refused, so an agent (or the model behind it) can act on it. */
export const proxyErrors = defineErrorCodes({
  ERR_PROXY_UNKNOWN_PLUGIN: { status: 404, message: 'No such plugin is loaded.' },
  ERR_PROXY_UNKNOWN_ACTION: { status: 404, message: 'This plugin has no such action.' },
  ERR_PROXY_INVALID_INPUT: { status: 400, message: "The input does not match the action's input schema." },
  ERR_PROXY_NOT_CONNECTED: {
    status: 424,
    message: 'The person has not connected the account this action needs: they connect it at /account/connections.',
  },
  ERR_PROXY_NEEDS_REAUTH: {
    status: 424,
    message: 'The upstream refused the stored authorization: the person must connect the account again at /account/connections.',
  },
  ERR_PROXY_NO_PERSON: {
    status: 403,
    message: "This action acts with a person's connected account; a client's own token (client_credentials) has no person.",
  },
  ERR_PROXY_PROVIDER_NOT_CONFIGURED: {
    status: 424,
    message: 'This plugin needs a provider the gateway does not configure: ask its operator.',
  },
  ERR_PROXY_UPSTREAM_HEADER: {
    status: 400,
    message: 'A header of the upstream request has a forbidden name or a CR, LF or NUL in its value; nothing was sent.',
  },
  ERR_PROXY_UPSTREAM_HOST: { status: 502, message: 'The plugin asked for a host outside its allow-list; nothing was sent.' },
  ERR_PROXY_UPSTREAM_FAILED: { status: 502, message: 'The upstream did not answer as expected.' },
  ERR_PROXY_UPSTREAM_TOO_LARGE: {
    status: 502,
    message: "The upstream's answer is larger than the proxy relays (OAUTH3_PROXY_MAX_RESPONSE_BYTES).",
  },
  ERR_PROXY_UPSTREAM_TIMEOUT: { status: 504, message: 'The upstream did not answer in time.' },
  ERR_PROXY_UPSTREAM_UNAVAILABLE: { status: 503, message: 'The upstream provider is not answering; try again later.' },
  ERR_PROXY_UPSTREAM_RATE_LIMITED: {
    status: 429,
    message: "The upstream's own rate limit is reached: retry after the seconds Retry-After gives.",
  },
  ERR_PROXY_UPSTREAM_REFUSED: { status: 422, message: 'The upstream refused the request.' },
});
