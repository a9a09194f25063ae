import type { AppContext, GatewayModule } from '../kernel/index.js';

/** How often the gateway prunes (ms). */
export const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * One pass of the gateway's prune: every module's `prune`, in module order, as of `now`. A module that fails is
 * logged and skipped (the others still prune). Returns the rows deleted, by module.
 */
export async function pruneModules(ctx: AppContext, modules: readonly GatewayModule[], now = Date.now()): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const m of modules) {
    if (!m.prune) continue;
    try {
      deleted[m.name] = await m.prune(ctx, now);
    } catch (err) {
      ctx.log.warn({ err, module: m.name }, 'pruning a module’s expired rows failed');
    }
  }
  return deleted;
}

/** Starts the periodic prune (one timer for every module); stopped when the context closes. */
export function startPruning(ctx: AppContext, modules: readonly GatewayModule[]): void {
  if (!modules.some((m) => m.prune)) return;
  const timer = setInterval(() => void pruneModules(ctx, modules), PRUNE_EVERY_MS);
  timer.unref();
  ctx.onClose.push(() => clearInterval(timer));
}
