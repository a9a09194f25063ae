import { TokenError, ValidationError } from '../client-errors.js';
import type { TokenStore } from '../token-store.js';
import { fileTokenStore } from './file-token-store.js';
import { listStoredLogins, type StoredLogin } from './list-stored-logins.js';

/** How the client commands name "the" login: by server (the issuer) or resource, else the only one stored. */
export interface DefaultStoreOptions {
  /** The authorization server: the stored issuer, compared without a trailing slash. */
  server?: string;
  /** Same as `server` (the name the contract also uses). */
  issuer?: string;
  /** The protected resource the login is for, compared without a trailing slash. */
  resource?: string;
  /** The directory (default `$XDG_CONFIG_HOME/oauth3`). */
  dir?: string;
}

const same = (a: string | undefined, b: string) => a !== undefined && a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

function describe(l: StoredLogin): string {
  const c = l.credentials;
  return c.resource ? `--server ${c.issuer} --resource ${c.resource}` : `--server ${c.issuer}`;
}

/**
 * The file store of the one stored login that matches: `--server URL` (the issuer) and/or `--resource URL`, or,
 * with neither, the only login stored. The one function `status`, `token`, `logout`, `call` and `mcp-bridge`
 * use to find it. None matching is TokenError `login_required` (the CLI exits 4: run `oauth3 login`); several
 * matching is a ValidationError naming the options that choose one.
 */
export async function defaultStore(o: DefaultStoreOptions = {}): Promise<TokenStore> {
  const server = o.server ?? o.issuer;
  const logins = (await listStoredLogins(o.dir)).filter(
    (l) =>
      (server === undefined || same(l.credentials.issuer, server)) &&
      (o.resource === undefined || same(l.credentials.resource, o.resource)),
  );
  if (logins.length === 1) {
    const c = logins[0]!.credentials;
    return fileTokenStore({ issuer: c.issuer, resource: c.resource, dir: o.dir });
  }
  const which = [server && `server ${server}`, o.resource && `resource ${o.resource}`].filter(Boolean).join(' and ');
  if (logins.length === 0) {
    const hint = [server && `--server ${server}`, o.resource && `--resource ${o.resource}`].filter(Boolean).join(' ');
    throw new TokenError(`no login stored${which ? ` for ${which}` : ''}: run oauth3 login${hint ? ` ${hint}` : ''}`, {
      reason: 'login_required',
    });
  }
  throw new ValidationError(
    `${logins.length} logins are stored${which ? ` for ${which}` : ''}: choose one with ${logins.map(describe).join(', or ')}`,
    { reason: 'ambiguous_login' },
  );
}
