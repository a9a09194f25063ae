#!/usr/bin/env node
import { Command } from 'commander';
import { serveCommand } from './serve.js';
import { migrateCommand } from './migrate.js';
import { keysCommand } from './keys.js';
import { resourceCommand } from './resource.js';
import { usersCommand } from './users.js';
import { clientsCommand } from './clients.js';
import { inviteCommand } from './invite.js';
import { providerCommand } from './provider.js';
import { vaultCommand } from './vault.js';
import { apikeyCommand } from './apikey.js';
import { masterKeyCommand } from './master-key.js';
import { attestCommand } from './attest.js';
import { callCommand } from './call.js';
import { mcpBridgeCommand } from './mcp-bridge.js';
import { statusCommand } from './status.js';
import { tokenCommand } from './token.js';
import { logoutCommand } from './logout.js';
import { loginCommand } from './login.js';
import { doctorCommand } from './doctor.js';
import { packageVersion } from './package-version.js';
import { buildDigest } from '../attestation/index.js';

// the build digest hashes dist/ (about 50 ms): only when the version is asked for, not on every `oauth3 token`
const asksVersion = process.argv.slice(2).some((a) => a === '-V' || a === '--version');
const program = new Command('oauth3')
  .description('oauth3: a self-hosted auth gateway for AI agents')
  .version(
    asksVersion ? `${packageVersion()} (build ${buildDigest() ?? 'none: running from source'})` : packageVersion(),
    '-V, --version',
    'print the version and the build digest',
  )
  .showHelpAfterError();

for (const add of [
  serveCommand,
  migrateCommand,
  keysCommand,
  usersCommand,
  clientsCommand,
  inviteCommand,
  resourceCommand,
  providerCommand,
  vaultCommand,
  apikeyCommand,
  masterKeyCommand,
  attestCommand,
  doctorCommand,
  callCommand,
  mcpBridgeCommand,
  statusCommand,
  tokenCommand,
  logoutCommand,
  loginCommand,
])
  add(program);

program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`oauth3: ${e.message}\n`);
  process.exit(1);
});
