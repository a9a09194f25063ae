import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../../errors/index.js';
import { ErrorPage, renderPage, type ErrorLink } from '../../web/index.js';

/** The title of each refusal of the connect flow; others are "Nothing was connected". */
const TITLES: Record<string, string> = {
  ERR_VAULT_WRONG_PERSON: 'This link is for another person',
  ERR_VAULT_SESSION_EXPIRED: 'This connect link has expired',
  ERR_VAULT_SESSION_USED: 'This connect link was already used',
  ERR_VAULT_SESSION_NOT_FOUND: 'No such connect link',
  ERR_VAULT_STATE_MISMATCH: 'This answer does not belong to this browser',
  ERR_VAULT_UPSTREAM_UNAVAILABLE: 'The provider is not answering',
};

/**
 * A refusal of the connect flow as a page with its status (403 another person's link, 410 expired, 409 used, 400
 * an upstream answer of another flow or browser): what happened in plain words, that nothing was connected, and
 * ways on. `again` adds a first link (sign in as another person, say).
 */
export function sendConnectRefusal(request: FastifyRequest, reply: FastifyReply, e: AppError, again?: ErrorLink): FastifyReply {
  const links: ErrorLink[] = [
    ...(again ? [again] : []),
    request.accountSession ? { href: '/account/connections', label: 'Your connections' } : { href: '/login', label: 'Sign in' },
  ];
  return renderPage(reply, {
    title: TITLES[e.code] ?? 'Nothing was connected',
    request,
    status: e.status,
    focused: true,
    body: <ErrorPage message={`${e.message} Nothing was connected.`} links={links} code={e.code} />,
  });
}
