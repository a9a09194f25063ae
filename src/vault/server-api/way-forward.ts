import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../kernel/index.js';
import { AppError, type ErrorCode } from '../../errors/index.js';
import { vaultErrors } from '../vault-errors.js';

/** Errors a server answers by sending the person a connect link: they come with the `/auth/init` call that makes one. */
const CONNECT_AGAIN: readonly ErrorCode[] = [
  vaultErrors.ERR_VAULT_NOT_ALLOWED,
  vaultErrors.ERR_VAULT_NOT_CONNECTED,
  vaultErrors.ERR_VAULT_NEEDS_REAUTH,
];

/**
 * Runs a server API call, and says how to go on when a connection cannot be served: "not allowed", "not
 * connected" and "needs re-authorization" get `details.init` (the `/auth/init` request that makes a link for the
 * person to connect, and allow this server, again); "upstream unavailable" gets `Retry-After`.
 */
export async function withWayForward<T>(
  ctx: AppContext,
  reply: FastifyReply,
  target: { userId: string; provider: string },
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    const code = CONNECT_AGAIN.find((c) => c.code === e.code);
    if (code) {
      const init = {
        method: 'POST',
        url: `${ctx.config.publicUrl.replace(/\/+$/, '')}/auth/init`,
        body: { user_id: target.userId, provider: target.provider },
      };
      throw new AppError(code, e.message, { ...e.details, provider: target.provider, init });
    }
    if (e.code === vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE.code) {
      const after = Number(e.details?.retry_after);
      reply.header('retry-after', String(Number.isFinite(after) && after > 0 ? Math.ceil(after) : 1));
    }
    throw e;
  }
}
