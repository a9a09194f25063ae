import { opt, type OptionSchema, type OptionValues } from '../../../config/index.js';

/** How a configured HTTP API gets the person's credential. */
export type CredentialPlacement =
  /** `Authorization: Bearer <access token>` (an OAuth provider: the host injects it). */
  | { in: 'bearer' }
  /** A header of a key provider's value (`X-Api-Key: <key>`, or with a `prefix`: `Token <key>`). */
  | { in: 'header'; name: string; prefix?: string; field?: string }
  /** A query parameter of a key provider's value (`?key=<key>`). */
  | { in: 'query'; name: string; field?: string };

/** One allowed request shape of a configured HTTP API: methods and path patterns, the scope they need. */
export interface HttpRoute {
  /** The action's name (`[a-z][a-z0-9_]*`): `POST /proxy/{id}/{action}`. */
  action: string;
  /** Its human title; default the action's name. */
  title?: string;
  methods: Array<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'>;
  /** Path patterns under the base URL: `/items`, `/items/*` (one segment), `/items/**` (any depth). */
  paths: string[];
  /** The gateway scope a token needs (one of the entry's `scopes`). */
  scope: string;
}

/** An HTTP API the gateway fronts as a plugin of its own, as OAUTH3_HTTP_PLUGINS declares it. */
export interface HttpPluginEntry {
  /** The plugin's id (`[a-z][a-z0-9_]*`): `/proxy/{id}/…`. */
  id: string;
  name?: string;
  /** The API's base URL (https; plain http only to OAUTH3_PROXY_ALLOW_RANGES); every call stays under its path. */
  base_url: string;
  /** The vault provider of the person's credential; none: calls carry no credential. */
  provider?: string;
  /** Required with a provider: how the credential is placed (OAuth providers: bearer; key providers: header or query). */
  credential?: CredentialPlacement;
  /** The scopes it declares, name → the description shown on consent. */
  scopes: Record<string, string>;
  routes: HttpRoute[];
}

const ID = /^[a-z][a-z0-9_]*$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const HEADER = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PATTERN = /^(\/([A-Za-z0-9\-._~!$&'()+,;=:@]+|\*|\*\*))*\/?$/;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const RESERVED_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host', 'content-length', 'transfer-encoding', 'connection'];

/** What is wrong with one route of `e`, or undefined. */
function routeProblem(e: HttpPluginEntry, r: Partial<HttpRoute>, seen: Set<string>): string | undefined {
  const where = `http plugin ${e.id}`;
  if (typeof r !== 'object' || r === null) return `${where}: every route must be an object`;
  if (typeof r.action !== 'string' || !ID.test(r.action)) return `${where}: a route's action must match ${ID}`;
  if (seen.has(r.action)) return `${where}: two routes have the action "${r.action}"`;
  seen.add(r.action);
  if (!Array.isArray(r.methods) || !r.methods.length || !r.methods.every((m) => METHODS.includes(m)))
    return `${where}, action ${r.action}: methods must be a list of ${METHODS.join(', ')}`;
  if (
    !Array.isArray(r.paths) ||
    !r.paths.length ||
    !r.paths.every((p) => typeof p === 'string' && PATTERN.test(p) && !/(^|\/)\.\.?(\/|$)/.test(p))
  )
    return `${where}, action ${r.action}: paths must be patterns like /items, /items/* or /items/** (no dot segments)`;
  if (typeof r.scope !== 'string' || !Object.hasOwn(e.scopes, r.scope))
    return `${where}, action ${r.action}: scope must be one of the entry's scopes`;
  if (r.title !== undefined && typeof r.title !== 'string') return `${where}, action ${r.action}: title must be a string`;
  return undefined;
}

/** What is wrong with one entry, or undefined. */
function entryProblem(v: unknown, seen: Set<string>): string | undefined {
  if (typeof v !== 'object' || v === null) return 'every entry must be an object';
  const e = v as HttpPluginEntry;
  if (typeof e.id !== 'string' || !ID.test(e.id)) return `id must match ${ID}`;
  if (seen.has(e.id)) return `two http plugins have the id "${e.id}"`;
  seen.add(e.id);
  const where = `http plugin ${e.id}`;
  let url: URL;
  try {
    url = new URL(String(e.base_url));
  } catch {
    return `${where}: base_url must be an absolute URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${where}: base_url must be https (or http to an allowed range)`;
  if (url.username || url.password || url.search || url.hash) return `${where}: base_url must hold no credentials, query or fragment`;
  if (e.name !== undefined && typeof e.name !== 'string') return `${where}: name must be a string`;
  if (typeof e.scopes !== 'object' || e.scopes === null || Array.isArray(e.scopes) || !Object.keys(e.scopes).length)
    return `${where}: scopes must map scope names to their descriptions`;
  for (const [name, description] of Object.entries(e.scopes))
    if (!SCOPE.test(name) || typeof description !== 'string' || !description)
      return `${where}: scope "${name}" needs a name and a description`;
  if (e.provider !== undefined) {
    if (typeof e.provider !== 'string' || !e.provider) return `${where}: provider must be a provider id`;
    const c = e.credential;
    if (!c || !['bearer', 'header', 'query'].includes(c.in))
      return `${where}: credential must say how it is placed: {in: bearer | header | query}`;
    if (c.in !== 'bearer') {
      if (typeof c.name !== 'string' || !HEADER.test(c.name)) return `${where}: credential.name must be a header or parameter name`;
      if (c.in === 'header' && RESERVED_HEADERS.includes(c.name.toLowerCase()))
        return `${where}: credential.name may not be ${c.name.toLowerCase()} (use in: bearer with an OAuth provider)`;
      if (c.field !== undefined && typeof c.field !== 'string') return `${where}: credential.field must be a field name`;
      if (c.in === 'header' && c.prefix !== undefined && (typeof c.prefix !== 'string' || /[\r\n\0]/.test(c.prefix)))
        return `${where}: credential.prefix must be a string without line breaks`;
    }
  } else if (e.credential !== undefined) return `${where}: credential needs a provider`;
  if (!Array.isArray(e.routes) || !e.routes.length) return `${where}: routes must list at least one route`;
  const actions = new Set<string>();
  for (const r of e.routes) {
    const p = routeProblem(e, r, actions);
    if (p) return p;
  }
  return undefined;
}

/** The http plugin's slice of the config: the HTTP APIs the gateway fronts, each a plugin of its own. */
export const httpPluginsOptions = {
  httpPlugins: opt.json<HttpPluginEntry[]>(
    'OAUTH3_HTTP_PLUGINS',
    'HTTP APIs the gateway fronts, each a plugin of its own (POST /proxy/{id}/{action}): [{id, name?, base_url, provider?, credential?: {in: bearer} | {in: header, name, prefix?, field?} | {in: query, name, field?}, scopes: {scope: description}, routes: [{action, title?, methods, paths, scope}]}]. The host of base_url is the one upstream host; paths are patterns under base_url (`*` one segment, `**` the rest); bearer is for OAuth providers, header and query for key providers (e.g. the http_api_key preset).',
    [],
    (v) => {
      if (!Array.isArray(v)) return 'must be a JSON array of http plugins';
      const seen = new Set<string>();
      for (const e of v) {
        const p = entryProblem(e, seen);
        if (p) return p;
      }
      return undefined;
    },
  ),
} satisfies OptionSchema;

declare module '../../../config/config.js' {
  interface Config extends OptionValues<typeof httpPluginsOptions> {}
}
