import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../server/context.js';
import { installSessionHook } from './session-hook.js';
import { authPages } from './auth-pages.js';
import { accountPages } from './account-pages.js';
import { ceremonyApi } from './ceremony-api.js';
import { meApi } from './me-api.js';
import { passkeysApi } from './passkeys-api.js';
import { sessionsApi } from './sessions-api.js';

/**
 * Accounts: the session hook (cookie → session, renewal, CSRF token), sign-in/up pages and ceremonies, account
 * pages, and the /api/v1/me API. Declares `profile.write` (bearers changing profile, passkeys, sessions).
 */
export async function accountsModule(app: FastifyInstance, ctx: AppContext): Promise<void> {
  if (!ctx.scopes.has('profile.write')) ctx.scopes.declare({ name: 'profile.write', description: 'Change your profile, passkeys and sessions', source: 'core' });
  installSessionHook(app, ctx);
  await authPages(app, ctx);
  await ceremonyApi(app, ctx);
  await accountPages(app, ctx);
  await meApi(app, ctx);
  await passkeysApi(app, ctx);
  await sessionsApi(app, ctx);
}
