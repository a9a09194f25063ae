import { AppError } from '../../../errors/index.js';
import { proxyErrors } from '../../proxy-errors.js';

/** What a path of the input may hold: RFC 3986 pchar and `/` (no `?`, `#`, `\`, spaces or controls). */
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
/** Percent-encodings that would change the path's shape once decoded: `.`, `/`, `\`, `%` (double encoding), controls. */
const SHAPE_CHANGING = new Set(['2e', '2f', '5c', '25']);

const refuse = (why: string): never => {
  throw new AppError(proxyErrors.ERR_PROXY_INVALID_INPUT, `path ${why}; nothing was sent.`, { field: 'path' });
};

/**
 * Checks the path an agent asked for and returns its decoded segments, or refuses it (400 naming why) before anything
 * is sent: it must start with `/`, hold only path characters, have no dot segment (`.`, `..`, `..;x`), no empty
 * segment (`//`), and no percent-encoding of `.`, `/`, `\` or `%` (so `%2e%2e`, `%2f` and `%252e` cannot become
 * traversal upstream), nor of a control character.
 */
export function checkPath(path: string): string[] {
  if (!path.startsWith('/')) refuse('must start with /');
  if (!PATH_CHARS.test(path)) refuse('holds a character that is not allowed (backslash, ?, #, space or a control)');
  for (const m of path.matchAll(/%(.{0,2})/g)) {
    const hex = m[1]!.toLowerCase();
    if (!/^[0-9a-f]{2}$/.test(hex)) refuse('holds a % that is not a percent-encoding');
    if (SHAPE_CHANGING.has(hex) || parseInt(hex, 16) < 0x20 || parseInt(hex, 16) === 0x7f)
      refuse(`holds an encoded ${hex === '25' ? '% (double encoding)' : 'dot, slash, backslash or control'}`);
  }
  const segments = path.slice(1).split('/');
  return segments.map((raw, i) => {
    if (raw === '' && i < segments.length - 1) refuse('holds an empty segment (//)');
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return refuse('holds a percent-encoding that is not UTF-8');
    }
    if (/^\.+(;.*)?$/.test(seg)) refuse('holds a dot segment (. or ..)');
    return seg;
  });
}

/** Whether the decoded segments match a pattern (`/items/*` one segment, `/items/**` any number, at least one). */
export function matchesPattern(segments: readonly string[], pattern: string): boolean {
  const parts = pattern === '/' ? [''] : pattern.slice(1).split('/');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '**') return segments.length > i && segments.slice(i).every((s) => s !== '');
    if (i >= segments.length) return false;
    if (part === '*' ? segments[i] === '' : segments[i] !== part) return false;
  }
  return segments.length === parts.length;
}
