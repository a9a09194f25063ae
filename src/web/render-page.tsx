import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import { Layout } from './components/layout.js';

export interface RenderPageOptions {
  title: string;
  /** Page content (Preact vnode); every value in it is escaped by the renderer. */
  body: ComponentChildren;
  request: FastifyRequest;
  status?: number;
}

/**
 * Sends a server-rendered HTML page in the common layout (nav, sign-out form, CSRF meta tag, Pico CSS, the one
 * bundled script). Preact escapes every text and attribute value, so user data can be put in `body` as is.
 */
export function renderPage(reply: FastifyReply, o: RenderPageOptions): FastifyReply {
  const { request } = o;
  const html = render(
    <Layout title={o.title} path={request.url.split('?')[0]} signedIn={!!request.accountSession} csrfToken={request.csrfToken}>
      {o.body}
    </Layout>,
  );
  return reply
    .code(o.status ?? 200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`<!doctype html>${html}`);
}
