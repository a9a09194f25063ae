import pino from 'pino';
import { loadConfig } from '../config/index.js';
import { createContext, closeContext, createLogger, type AppContext } from '../server/index.js';

/** Runs `fn` (logs to stderr, so stdout stays the command's output) with a full context (config from env, database migrated, keys loaded), then closes it. */
export async function withContext<T>(fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const ctx = await createContext(config, createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2)), { defaultMetrics: false });
  try {
    return await fn(ctx);
  } finally {
    await closeContext(ctx);
  }
}
