/** One authentication challenge of a `WWW-Authenticate` header: its scheme (lower case) and parameters (names lower case). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/**
 * Parses a `WWW-Authenticate` header (RFC 9110 §11.6.1) into its challenges: `Bearer realm="x", error="invalid_token",
 * resource_metadata="https://…", Basic realm="y"` → two challenges. Quoted strings are unescaped; a token68 is kept
 * as the parameter `token68`. Lenient: a part it cannot read ends the parse with what it has.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let rest = header;
  const skip = (re: RegExp) => (rest = rest.replace(re, ''));
  let current: AuthChallenge | undefined;
  while (true) {
    skip(/^[\s,]+/);
    const name = TOKEN.exec(rest)?.[0];
    if (!name) break;
    const after = rest.slice(name.length);
    const param = /^\s*=\s*/.exec(after);
    if (current && param && !/^\s*=\s*(,|$)/.test(after)) {
      // a parameter of the current challenge
      rest = after.slice(param[0].length);
      let value: string;
      if (rest.startsWith('"')) {
        const q = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
        if (!q) break;
        value = q[1]!.replace(/\\(.)/g, '$1');
        rest = rest.slice(q[0].length);
      } else {
        value = /^[^\s,]*/.exec(rest)![0];
        rest = rest.slice(value.length);
      }
      current.params[name.toLowerCase()] = value;
      continue;
    }
    // a new challenge: the scheme, then a token68 or parameters
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    rest = after;
    skip(/^\s+/);
    const t68 = /^[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/.exec(rest);
    if (t68 && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*=\s*[^=\s,]/.test(rest)) {
      current.params.token68 = t68[0];
      rest = rest.slice(t68[0].length);
    }
  }
  return out;
}

/**
 * The RFC 9728 §5.1 `resource_metadata` URL of a 401's `WWW-Authenticate` header (its Bearer challenge), or
 * undefined when the header names none (or names something that is not an absolute http(s) URL).
 */
export function resourceMetadataFromChallenge(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  for (const c of parseWwwAuthenticate(header)) {
    const v = c.scheme === 'bearer' ? c.params.resource_metadata : undefined;
    if (!v) continue;
    try {
      const u = new URL(v);
      if (u.protocol === 'https:' || u.protocol === 'http:') return u.href;
    } catch {
      // not a URL: look further
    }
  }
  return undefined;
}
