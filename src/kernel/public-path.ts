/**
 * The path of the public URL (`/auth` for `https://example.com/auth`), or '' at an origin's root. The gateway is
 * mounted under it: a proxy in front forwards requests unchanged (it strips nothing), every route is served under
 * this prefix, and a path a page or a redirect names starts with it.
 */
export function publicPath(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/+$/, '');
}
