import cluster from 'node:cluster';
import type { Command } from 'commander';
import { createLogger, loadGateway, runCluster, startServer } from '../server/index.js';
import { environmentHelp } from './environment-help.js';

/**
 * `oauth3 serve`: starts the gateway (config from env and OAUTH3_CONFIG); SIGTERM/SIGINT stop it gracefully.
 * With OAUTH3_WORKERS > 1 this process becomes the primary of that many worker processes.
 */
export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('start the gateway')
    .addHelpText('after', environmentHelp)
    .action(async () => {
      const { config, modules } = await loadGateway();
      if (config.workers > 1 && cluster.isPrimary) await runCluster(config, modules, createLogger(config.logLevel), config.workers);
      else await startServer(config, { handleSignals: true, modules });
    });
}
