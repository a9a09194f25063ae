import type { FastifyReply, FastifyRequest } from 'fastify';
import { formReturnTo, safeReturnTo } from '../accounts/index.js';
import { acceptsHtml, ErrorPage, renderPage, type ErrorLink } from '../web/index.js';

/**
 * Whether an error goes to a person as a page: the request accepts HTML, and is neither an OAuth endpoint
 * (`oauth` route config) nor the JSON API (`/api/*`), whose clients keep their JSON answers.
 */
export function wantsHtml(request: FastifyRequest, oauth: boolean): boolean {
  if (oauth || request.url.startsWith('/api/')) return false;
  const accept = request.headers.accept ?? '';
  return acceptsHtml(accept) && !/^application\/json\b/.test(accept);
}

/** A GET page the mistyped path probably meant (without its trailing slash, in lower case), if one exists. */
function meant(request: FastifyRequest): string | undefined {
  const path = request.url.split('?')[0];
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
  for (const candidate of new Set([trimmed, trimmed.toLowerCase(), path.toLowerCase()])) {
    if (candidate !== path && request.server.hasRoute({ method: 'GET', url: candidate })) return candidate;
  }
  return undefined;
}

/** Title, explanation and ways forward for an error, by its code and status. */
function describe(
  request: FastifyRequest,
  status: number,
  code: string,
  message: string,
): { title: string; message: string; links: ErrorLink[] } {
  const signedIn = !!request.accountSession;
  const back = safeReturnTo(formReturnTo(request));
  const home: ErrorLink = signedIn ? { href: '/account', label: 'Go to your account' } : { href: '/', label: 'Go to the home page' };
  const signIn: ErrorLink = { href: `/login?return_to=${encodeURIComponent(back)}`, label: 'Sign in' };
  const docs: ErrorLink = { href: '/docs', label: 'Documentation' };
  const rest = signedIn ? [home, docs] : [home, signIn, docs];
  if (code === 'ERR_ACCOUNTS_CSRF')
    return {
      title: 'This form has expired',
      message:
        'It was sent from a page that was open too long or from before you signed in again. Nothing was changed: open the form again and repeat what you did.',
      links: [{ href: back, label: 'Open the form again' }, ...rest],
    };
  if (status === 401)
    return {
      title: 'Please sign in',
      message: 'Your session has ended. Sign in again to continue where you were.',
      links: [signIn, home, docs],
    };
  // Something named in the path is gone (a revoked token, a removed passkey): back to the list it was on.
  const list = request.url.split('?')[0].split('/').slice(0, 3).join('/') || '/';
  if (status === 404 && code !== 'ERR_ROUTE_NOT_FOUND')
    return {
      title: 'Not found',
      message: `${message} It may have been removed already.`,
      links: [{ href: list, label: 'Go back' }, ...rest],
    };
  if (status === 404) {
    const suggestion = meant(request);
    return {
      title: 'Page not found',
      message: suggestion ? `There is no page at this address. Did you mean ${suggestion}?` : 'There is no page at this address.',
      links: suggestion ? [{ href: suggestion, label: `Go to ${suggestion}` }, ...rest] : rest,
    };
  }
  if (status === 405) return { title: 'Not available this way', message, links: rest };
  if (status === 429) return { title: 'Too many requests', message: 'Wait a minute, then try again.', links: rest };
  if (status >= 500)
    return {
      title: 'Something went wrong on our side',
      message: 'The gateway could not finish this request. Try again in a moment.',
      links: rest,
    };
  return { title: 'That did not work', message, links: [{ href: back, label: 'Go back' }, ...rest] };
}

/** Sends an error as a page in the layout, with the same status, and links that lead on. */
export function sendErrorPage(request: FastifyRequest, reply: FastifyReply, status: number, body: unknown): FastifyReply {
  const b = (body ?? {}) as { error?: unknown; message?: unknown; error_description?: unknown };
  const code = typeof b.error === 'string' ? b.error : 'ERR_INTERNAL';
  const text =
    typeof b.message === 'string' ? b.message : typeof b.error_description === 'string' ? b.error_description : 'The request was refused.';
  const d = describe(request, status, code, text);
  return renderPage(reply, { title: d.title, request, status, body: <ErrorPage message={d.message} links={d.links} code={code} /> });
}
