import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../server/context.js';
import { installSessionHook } from './session-hook.js';
import { authPages } from './auth-pages.js';
import { accountPages } from './account-pages.js';
import { meApi } from './me-api.js';

/** Accounts: the session hook (cookie → session, renewal, CSRF token), sign-in/up pages, account pages, /api/v1/me. */
export async function accountsModule(app: FastifyInstance, ctx: AppContext): Promise<void> {
  installSessionHook(app, ctx);
  await authPages(app, ctx);
  await accountPages(app, ctx);
  await meApi(app, ctx);
}
