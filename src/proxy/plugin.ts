import type { GatewayModule, Principal } from '../kernel/index.js';
import type { ActionPolicySupport } from './policy/policy-types.js';

/** A JSON Schema (draft 2020-12 as Ajv reads it): an action's input or output. */
export type JsonSchema = Record<string, unknown>;

/** A response of an upstream, read whole (at most the proxy's answer bound, OAUTH3_PROXY_MAX_RESPONSE_BYTES). */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text. */
  text: string;
  /** The body parsed as JSON; throws a 502 naming the upstream when it is not JSON. */
  json<T = unknown>(): T;
}

/** A response of an upstream whose body is relayed as it arrives (see UpstreamClient.stream). */
export interface UpstreamStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /**
   * The body's chunks as they arrive, bounded: past the proxy's answer bound (OAUTH3_PROXY_MAX_RESPONSE_BYTES) or its
   * deadline the iteration throws an AppError naming the upstream (502 / 504). Read it (or hand it to a
   * StreamedAnswer) once.
   */
  body: AsyncIterable<Buffer>;
}

/** What a handler may send upstream: like fetch's init, with a JSON shortcut. */
export interface UpstreamRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Extra headers (names and values are checked: no CR, LF or NUL, and never `authorization` or `cookie`: the host injects the credential). */
  headers?: Record<string, string>;
  /** A JSON body (sent with `content-type: application/json`). */
  json?: unknown;
  /** A raw body; give `headers['content-type']`. */
  body?: string;
}

/**
 * The upstream client a handler gets: the person's credential already injected (as the provider's kind says:
 * `Authorization: Bearer <access token>` for OAuth providers; a key provider's plugin places its key itself, through
 * `credential()`), every URL checked against the plugin's allow-listed hosts and the SSRF address policy, and the
 * call bounded by the proxy timeout. An upstream 401 is handled by the host (one refresh through the vault, then
 * the action runs again once).
 */
export interface UpstreamClient {
  /** Calls the upstream; refused (502 ERR_PROXY_UPSTREAM_HOST) for a host the plugin did not allow-list. */
  fetch(url: string, init?: UpstreamRequest): Promise<UpstreamResponse>;
  /**
   * Like `fetch`, with the same checks, but answers once the status and headers arrive, the body to be read as it
   * comes (bounded in size and time): for an answer relayed back as it arrives (return a StreamedAnswer). An answer
   * that announces a length over the bound is refused before anything is relayed (502 ERR_PROXY_UPSTREAM_TOO_LARGE).
   */
  stream(url: string, init?: UpstreamRequest): Promise<UpstreamStream>;
  /**
   * The raw credential, for a plugin that must place it itself (a Telegram bot token goes into the URL path). A
   * handler that does not call it never sees the credential.
   */
  credential(): UpstreamCredential;
}

/** A credential as a handler sees it when it asks: an OAuth access token, or a key provider's entered values. */
export interface UpstreamCredential {
  accessToken?: string;
  /** A key provider's fields by name (e.g. `bot_token`). */
  values?: Record<string, string>;
  /** A key provider's `api_base` (its configured base URL), if it has one. */
  apiBase?: string;
}

/** What a handler receives. */
export interface ActionCall<Input = unknown> {
  /** The body, validated against the action's `input` schema. */
  input: Input;
  /** Who calls: the person, the agent chain, the token's scopes (read-only). */
  principal: Principal;
  /** The upstream client with the person's credential injected (absent credential: a plugin without a provider). */
  upstream: UpstreamClient;
  /** Aborted when the proxy timeout passes or the caller goes away. */
  signal: AbortSignal;
  /** The plugin's own options, as the config read them (its module's `options` slice). */
  config: Readonly<Record<string, unknown>>;
  /**
   * The constraints the grant's policy applied to this call, which the input met (`allow:chat_id`, `path:/v1`,
   * `max_length:text`): an action that must never run unconstrained (telegram.post) checks that its own is among them.
   */
  constraints: readonly string[];
  /**
   * Ends the action with an answer the agent can act on: `refused` (422 ERR_PROXY_UPSTREAM_REFUSED: the upstream
   * refused this request, e.g. a duplicate post or an unknown chat) or `failed` (502 ERR_PROXY_UPSTREAM_FAILED: it
   * answered something the plugin cannot use). The message is shown to the agent: never a credential or a body.
   * Any other error a handler throws is a bug of the plugin (500, logged).
   */
  fail(kind: 'refused' | 'failed', message: string): never;
}

/**
 * One action of a plugin, as a grant is a descriptor of the token endpoint: its name, the scope a token must carry,
 * the JSON Schema of its input (it validates the HTTP body, is documented on `/docs`, and is the MCP tool's
 * `inputSchema`), and the handler that performs it. What the handler returns is the `result` of the answer; a
 * StreamedAnswer is relayed as it arrives over HTTP (status, headers that pass, raw body) and read whole over MCP.
 */
export interface ActionDescriptor<Input = any, Output = unknown> {
  /** `[a-z][a-z0-9_.]*`, unique in the plugin: the URL segment (`/proxy/{plugin}/{name}`) and, as `{plugin}.{name}`, the MCP tool. */
  name: string;
  /** A short human title ("Post a tweet"). */
  title: string;
  /** What it does, for people (consent, docs) and models (the MCP tool's description). */
  description: string;
  /** The scope a token must carry to call it; declared by the plugin's module (`scopes`). */
  scope: string;
  /** JSON Schema of the input: an object schema. */
  input: JsonSchema;
  /** JSON Schema of the result, if the plugin documents it. */
  output?: JsonSchema;
  /** Whether it only reads (MCP `readOnlyHint`). */
  readOnly?: boolean;
  /** Policy defaults applied under every grant, and the constraint kinds a grant may set on it (src/proxy/policy). */
  policy?: ActionPolicySupport;
  handler(call: ActionCall<Input>): Promise<Output>;
}

/** What makes a module a plugin of the proxy. */
export interface PluginSpec {
  /** `[a-z][a-z0-9_]*`, unique: the URL segment `/proxy/{id}/…`. */
  id: string;
  /** Its human name ("X", "Telegram"). */
  name: string;
  /** The vault provider whose credential the actions need (the person connects it on /account/connections); none: no credential. */
  provider?: string;
  /**
   * Hosts the upstream client may reach (`api.x.com`, or `host:port`). A function gets the plugin's options (a base
   * URL set for tests) and the provider's `api_base`, if any. Every other host is refused.
   */
  upstreamHosts: readonly string[] | ((o: { config: Readonly<Record<string, unknown>>; apiBase?: string }) => readonly string[]);
  actions: readonly ActionDescriptor[];
}

/**
 * A plugin: one module of the gateway (its manifest: name, options, migrations, scopes with their consent
 * descriptions, event types, error codes) plus `plugin`. Built-ins live in `src/proxy/plugins/<id>/`; others are
 * ES modules named in `OAUTH3_PLUGINS` whose default export is one of these. See docs/plugins.md.
 */
export interface PluginModule extends GatewayModule {
  plugin: PluginSpec;
}

/** True for a module that is a plugin (has a `plugin` with an id and actions). */
export function isPluginModule(m: { name: string }): m is PluginModule {
  const p = (m as Partial<PluginModule>).plugin;
  return typeof p === 'object' && p !== null && typeof p.id === 'string' && Array.isArray(p.actions);
}

/** Identity, typed: `export default definePlugin({ … })` checks a plugin's shape where it is written. */
export function definePlugin<M extends PluginModule>(m: M): M {
  return m;
}
