import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import { Layout } from './components/layout.js';
import { prefixLinks } from './prefix-links.js';

/** The sign-in flow a visitor is in (`return_to` on /login and /signup), kept on the header's links between them. */
function pendingReturnTo(request: FastifyRequest): string | undefined {
  const path = request.url.split('?')[0];
  if (path !== '/login' && path !== '/signup') return undefined;
  const value = (request.query as Record<string, unknown> | undefined)?.return_to;
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : undefined;
}

export interface RenderPageOptions {
  title: string;
  /** Page content (Preact vnode); every value in it is escaped by the renderer. */
  body: ComponentChildren;
  request: FastifyRequest;
  status?: number;
  /** A focused page (consent): one card, without the account navigation. */
  focused?: boolean;
}

/**
 * Sends a server-rendered HTML page in the common layout (nav, sign-out form, CSRF meta tag, Pico CSS, the one
 * bundled script). Preact escapes every text and attribute value, so user data can be put in `body` as is. Links
 * are written root-relative (`/account`); under a public URL with a path every one is put under it here, once.
 */
export function renderPage(reply: FastifyReply, o: RenderPageOptions): FastifyReply {
  const { request } = o;
  const html = render(
    <Layout
      title={o.title}
      path={request.url.split('?')[0]}
      publicPath={request.publicPath}
      signedIn={!!request.accountSession}
      account={request.accountLabel}
      csrfToken={request.csrfToken}
      focused={o.focused}
      returnTo={o.focused || request.accountSession ? undefined : pendingReturnTo(request)}
    >
      {o.body}
    </Layout>,
  );
  return reply
    .code(o.status ?? 200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`<!doctype html>${prefixLinks(html, request.publicPath ?? '')}`);
}
