import { underPublicPath } from '../kernel/index.js';

/** The URL-valued attributes a page uses (links, forms, submit buttons, assets), as Preact renders them: `name="…"`. */
const URL_ATTRIBUTE = /(\s(?:href|action|formaction|src)=")(\/[^"]*)"/g;

/**
 * Puts `prefix` (the public URL's path, `/auth`) before every root-relative link, form action and asset of a
 * rendered page: routes and components write paths as at the root (`/login`, a `return_to` from `request.url`),
 * and a gateway behind a proxy under a path keeps every link under it. Absolute URLs, `//host` and relative ones
 * stay. Works on Preact's output: attribute values are double-quoted and a `"` inside text or a value is escaped,
 * so only real attributes match. Run once per page.
 */
export function prefixLinks(html: string, prefix: string): string {
  if (!prefix) return html;
  return html.replace(URL_ATTRIBUTE, (_m, start: string, path: string) => `${start}${underPublicPath(prefix, path)}"`);
}
