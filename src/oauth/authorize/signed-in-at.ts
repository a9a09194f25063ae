import type { FastifyRequest } from 'fastify';
import { listSessions } from '../../accounts/index.js';
import type { AppContext } from '../../kernel/index.js';

/**
 * When the person behind this browser session last signed in (the session's start, epoch ms): OpenID Connect's
 * `auth_time`, and what `max_age` is measured against. Undefined without a live session.
 */
export async function signedInAt(ctx: AppContext, request: FastifyRequest): Promise<number | undefined> {
  const session = request.accountSession;
  if (!session) return undefined;
  return (await listSessions(ctx.db, session.userId)).find((s) => s.id === session.id)?.createdAt;
}

/** True when the session's sign-in satisfies the request: no `prompt=login`, and within `max_age` if one is given. */
export function freshEnough(req: { prompts: string[]; maxAge?: number }, signedIn: number): boolean {
  if (req.prompts.includes('login')) return false;
  return req.maxAge === undefined || Date.now() - signedIn <= req.maxAge * 1000;
}
