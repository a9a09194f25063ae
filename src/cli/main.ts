#!/usr/bin/env node
import { Command } from 'commander';
import { serveCommand } from './serve.js';
import { migrateCommand } from './migrate.js';
import { keysCommand } from './keys.js';
import { resourceCommand } from './resource.js';

const program = new Command('oauth3').description('oauth3: a self-hosted auth gateway for AI agents').showHelpAfterError();

for (const add of [serveCommand, migrateCommand, keysCommand, resourceCommand]) add(program);

program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`oauth3: ${e.message}\n`);
  process.exit(1);
});
