import type { FastifyInstance } from 'fastify';
import type { AppContext, GatewayModule } from '../kernel/index.js';
import { installSessionHook } from './session-hook.js';
import { authPages } from './auth-pages.js';
import { accountPages } from './account-pages.js';
import { ceremonyApi } from './ceremony-api.js';
import { meApi } from './me-api.js';
import { passkeysApi } from './passkeys-api.js';
import { sessionsApi } from './sessions-api.js';
import { accountsErrors } from './accounts-errors.js';
import { accountsEvents } from './accounts-events.js';
import { accountsOptions, isLoopbackUrl } from './accounts-options.js';
import { migrations } from './migrations/index.js';

/** The session hook first (every later route reads the session), then the pages, ceremonies and the API. */
async function routes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  installSessionHook(app, ctx);
  await authPages(app, ctx);
  await ceremonyApi(app, ctx);
  await accountPages(app, ctx);
  await meApi(app, ctx);
  await passkeysApi(app, ctx);
  await sessionsApi(app, ctx);
}

/** Says so at start when anyone who reaches a public gateway may create an account (OAUTH3_SIGNUP=open, set on purpose). */
function start(ctx: AppContext): void {
  if (ctx.config.signup === 'open' && !isLoopbackUrl(ctx.config.publicUrl))
    ctx.log.warn({ publicUrl: ctx.config.publicUrl }, 'OAUTH3_SIGNUP=open: anyone who reaches this gateway can create an account');
}

/**
 * Accounts: the session hook (cookie → session, renewal, CSRF token), sign-in/up pages and ceremonies, account
 * pages, and the /api/v1/me API. Declares `profile.write` (bearers changing profile, passkeys, sessions).
 */
export const accountsModule: GatewayModule = {
  name: 'accounts',
  options: accountsOptions,
  migrations,
  scopes: [{ name: 'profile.write', description: 'Change your profile, passkeys and sessions', group: 'manage' }],
  eventTypes: accountsEvents,
  errorCodes: Object.values(accountsErrors),
  start,
  routes,
};
