import type { AppContext, GatewayModule } from '../kernel/index.js';
import { DataKeyRing } from '../crypto/index.js';
import { EndpointResolver, loadProviders } from './providers/index.js';
import { oauthUpstream } from './oauth-upstream.js';
import { Vault } from './vault.js';
import { setVault } from './vault-of.js';
import { vaultErrors } from './vault-errors.js';
import { vaultEvents } from './vault-events.js';
import { vaultOptions } from './vault-options.js';
import { migrations } from './migrations/index.js';
import { vaultRoutes } from './vault-routes.js';
import { vaultExchangeTarget } from './vault-exchange-target.js';

/**
 * Loads the providers (a bad one stops the start, naming it and the field), opens the data-key ring (making the
 * first key on a new database; a wrong master key stops the start naming the key it needs) and watches it for
 * rotations, and registers the vault of this app.
 */
async function start(ctx: AppContext): Promise<void> {
  const providers = loadProviders(ctx.config);
  const ring = new DataKeyRing(ctx.db, ctx.masterKey, ctx.masterKeys);
  const made = await ring.init();
  if (made)
    await ctx.audit.record(ctx.db, { action: 'vault.key_rotated', actor: { type: 'system' }, target: { type: 'data_key', id: made } });
  ctx.onClose.push(ring.watch(ctx.config.keysPollMs, (err) => ctx.log.warn({ err }, 'vault data key reload failed')));
  ctx.registries.healthChecks.declare({ name: 'vault-data-keys', component: 'encryption', check: () => ring.probe() }, 'vault');
  const endpoints = new EndpointResolver();
  setVault(ctx, new Vault(ctx, providers, ring, endpoints, oauthUpstream(endpoints)));
}

/**
 * The credential vault (issue: people connect upstream accounts once; servers get fresh upstream tokens without
 * holding the person's credentials): providers, sealed connections, refresh, the server API and the Connections page.
 */
export const vaultModule: GatewayModule = {
  name: 'vault',
  options: vaultOptions,
  migrations,
  eventTypes: vaultEvents,
  errorCodes: Object.values(vaultErrors),
  start,
  routes: vaultRoutes,
  exchangeTargets: [vaultExchangeTarget],
};
