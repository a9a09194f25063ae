import type { FuzzCredentials } from './fuzz-cases.js';
import { oddValue } from './fuzz-bodies.js';
import type { FuzzRandom } from './fuzz-random.js';

/** A well-formed request body for a route, in the encoding the route reads. */
interface Template {
  form?: boolean;
  body: Record<string, unknown>;
}

/** Well-formed bodies of the routes whose handlers do the most with their input (a fuzz case breaks one part). */
function templateFor(route: string, r: FuzzRandom, c: FuzzCredentials): Template | undefined {
  const person = { user_id: c.userId, provider: 'upstream' };
  switch (route) {
    case 'POST /proxy/echo/say':
      return { body: { text: r.pick(['hi', 'x'.repeat(200)]), times: r.pick([1, 2, 3]) } };
    case 'POST /proxy/echo/swallow':
      return { body: { text: 'hi' } };
    case 'POST /proxy/echo/fetch':
      return { body: { url: r.pick([`${c.echoUrl}/say`, `${c.echoUrl}/note`, 'http://169.254.169.254/', 'http://127.0.0.1:1/']) } };
    case 'POST /proxy/echo/note':
      return { body: { note: 'n', header: r.pick(['x-note', 'authorization', 'host', 'content-length', 'x\r\ny']) } };
    case 'POST /proxy/x/tweet.post':
    case 'POST /proxy/telegram/post':
      return { body: { text: 'hi', chat_id: '1' } };
    case 'POST /proxy/x/tweet.read':
      return { body: { id: '1' } };
    case 'POST /auth/token':
      return { body: { ...person, min_ttl: 60 } };
    case 'POST /auth/init':
      return { body: { ...person, scopes: ['openid'] } };
    case 'DELETE /auth/revoke':
      return { body: { user_id: r.string(20), provider: 'upstream' } }; // never the person's own: later cases need it
    case 'POST /token':
      return {
        form: true,
        body: r.pick([
          { grant_type: 'client_credentials', scope: 'echo.say', resource: r.pick(['http://localhost/mcp', 'urn:x']) },
          { grant_type: 'refresh_token', refresh_token: r.string(43) },
          { grant_type: 'authorization_code', code: r.string(43), code_verifier: r.string(43), redirect_uri: 'http://127.0.0.1:9/cb' },
          {
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
            subject_token: c.mcpToken,
            subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
            scope: 'echo.say',
          },
        ]),
      };
    case 'POST /introspect':
      return {
        form: true,
        body: { token: r.pick([c.mcpToken, c.apiToken, r.string(43)]), token_type_hint: r.pick(['access_token', 'refresh_token']) },
      };
    case 'POST /revoke':
      return { form: true, body: { token: r.string(43), token_type_hint: 'refresh_token' } };
    case 'POST /register':
      return {
        body: {
          client_name: 'fuzz',
          redirect_uris: ['http://127.0.0.1:9/cb'],
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'none',
        },
      };
    case 'POST /api/v1/me/tokens':
      return { body: { name: `fuzz ${r.string(6)}`, scopes: ['echo.say'], policy: { rate: { count: 5, per: 'day' } } } };
    case 'PATCH /api/v1/me':
      return { body: { display_name: 'Fuzz', email: 'fuzz@example.com' } };
    case 'POST /api/v1/signup/options':
    case 'POST /api/v1/signin/options':
      return { body: { display_name: 'Fuzz' } };
    case 'POST /api/v1/signin':
    case 'POST /api/v1/signup':
      return {
        body: {
          id: r.string(22),
          rawId: r.string(22),
          type: 'public-key',
          response: { clientDataJSON: r.string(40), authenticatorData: r.string(40), signature: r.string(40) },
        },
      };
    case 'POST /delegate':
      return { body: { agent_id: r.string(20), scopes: ['echo.say'], ttl: 600 } };
    case 'POST /validate_delegation':
      return { body: { token: c.apiToken } };
    default:
      return undefined;
  }
}

/** A near-valid body for `route`: its template as is, or with one field wrong, missing or added; undefined when it has none. */
export function nearValidBody(
  route: string,
  r: FuzzRandom,
  c: FuzzCredentials,
): { form: boolean; body: Record<string, unknown> } | undefined {
  const t = templateFor(route, r, c);
  if (!t) return undefined;
  const body = { ...t.body };
  const keys = Object.keys(body);
  switch (r.int(5)) {
    case 0:
      break; // well-formed
    case 1:
      delete body[r.pick(keys)];
      break;
    case 2:
      body[r.string(1 + r.int(8))] = oddValue(r, 512);
      break;
    default:
      body[r.pick(keys)] = oddValue(r, 512);
  }
  return { form: t.form ?? false, body };
}
