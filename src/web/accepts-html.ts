/**
 * Whether an `Accept` header asks for a page: `text/html` among its types, not refused with `q=0`. The one test
 * of "a browser asking for a page" (the public-origin redirect, error pages, the anonymous CSRF cookie).
 */
export function acceptsHtml(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((item) => {
    const [type, ...params] = item.split(';').map((s) => s.trim().toLowerCase());
    return type === 'text/html' && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}
