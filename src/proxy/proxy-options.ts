import { opt, type OptionSchema, type OptionValues } from '../config/index.js';

/** The proxy's slice of the config: which plugins to load besides the built-ins, and how upstream calls are bounded. */
export const proxyOptions = {
  plugins: opt.list(
    'OAUTH3_PLUGINS',
    'Extra proxy plugins to load (paths of ES modules, or package names, whose default export is a plugin module: see docs/plugins.md); their scopes, actions, options and migrations join the built-in ones.',
    [],
  ),
  proxyTimeoutMs: opt.int(
    'OAUTH3_PROXY_TIMEOUT_MS',
    'How long one upstream call of a proxied action may take (ms) before the agent gets 504 naming the upstream.',
    15_000,
    100,
    300_000,
  ),
  proxyMaxResponseBytes: opt.int(
    'OAUTH3_PROXY_MAX_RESPONSE_BYTES',
    'The largest upstream answer the proxy reads or relays (bytes). Over it: 502 ERR_PROXY_UPSTREAM_TOO_LARGE, or, for an answer already being streamed back (the http plugins), the stream is cut (see docs/plugins.md).',
    1024 * 1024,
    1024,
    1024 * 1024 * 1024,
  ),
  proxyAllowRanges: opt.list(
    'OAUTH3_PROXY_ALLOW_RANGES',
    'CIDR ranges the proxy may reach besides public unicast addresses (SSRF policy, as for client metadata documents); e.g. 127.0.0.0/8 for a local upstream in development. Plain http is allowed only to these.',
    [],
  ),
} satisfies OptionSchema;

declare module '../config/config.js' {
  interface Config extends OptionValues<typeof proxyOptions> {}
}
