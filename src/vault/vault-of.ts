import type { AppContext } from '../kernel/index.js';
import type { Vault } from './vault.js';

const vaults = new WeakMap<AppContext, Vault>();

/** Sets the vault of an app (the vault module's start). */
export function setVault(ctx: AppContext, vault: Vault): void {
  vaults.set(ctx, vault);
}

/**
 * The vault of this app (one per app, keyed by its context: two apps in one process share nothing). Throws when the
 * vault module is not loaded.
 */
export function vaultOf(ctx: AppContext): Vault {
  const v = vaults.get(ctx);
  if (!v) throw new Error('the vault module is not started in this app');
  return v;
}
