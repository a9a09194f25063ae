import pino from 'pino';
import type { AppContext } from '../kernel/index.js';
import { createContext, closeContext, createLogger, loadGateway } from '../server/index.js';

/** Runs `fn` (logs to stderr, so stdout stays the command's output) with a full context (config from env, database migrated, keys loaded), then closes it. */
export async function withContext<T>(fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const { config, modules } = await loadGateway();
  const ctx = await createContext(
    config,
    createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2)),
    modules,
    { defaultMetrics: false },
  );
  try {
    return await fn(ctx);
  } finally {
    await closeContext(ctx);
  }
}
