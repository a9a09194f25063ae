import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { startServer } from '../server/index.js';

/** `oauth3 serve`: starts the gateway (config from env and OAUTH3_CONFIG); SIGTERM/SIGINT stop it gracefully. */
export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('start the gateway')
    .action(async () => {
      await startServer(loadConfig(), { handleSignals: true });
    });
}
