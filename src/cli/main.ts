#!/usr/bin/env node
import { Command } from 'commander';
import { packageVersion } from './package-version.js';

// the build digest hashes dist/ (about 50 ms): only when the version is asked for, not on every `oauth3 token`
const asksVersion = process.argv.slice(2).some((a) => a === '-V' || a === '--version');
const buildDigest = asksVersion ? (await import('../kernel/index.js')).buildDigest : () => undefined;
const program = new Command('oauth3')
  .description('oauth3: a self-hosted auth gateway for AI agents')
  .version(
    asksVersion ? `${packageVersion()} (build ${buildDigest() ?? 'none: running from source'})` : packageVersion(),
    '-V, --version',
    'print the version and the build digest',
  )
  .showHelpAfterError();

/**
 * Each command's module, imported only when it runs: `oauth3 token` does not load the server, nor `oauth3 --version`
 * anything but the version. Help, an unknown command or a leading option loads them all (commander lists and suggests them).
 */
const commands: Record<string, () => Promise<(program: Command) => void>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  migrate: async () => (await import('./migrate.js')).migrateCommand,
  keys: async () => (await import('./keys.js')).keysCommand,
  users: async () => (await import('./users.js')).usersCommand,
  clients: async () => (await import('./clients.js')).clientsCommand,
  invite: async () => (await import('./invite.js')).inviteCommand,
  resource: async () => (await import('./resource.js')).resourceCommand,
  provider: async () => (await import('./provider.js')).providerCommand,
  vault: async () => (await import('./vault.js')).vaultCommand,
  apikey: async () => (await import('./apikey.js')).apikeyCommand,
  'master-key': async () => (await import('./master-key.js')).masterKeyCommand,
  attest: async () => (await import('./attest.js')).attestCommand,
  doctor: async () => (await import('./doctor.js')).doctorCommand,
  call: async () => (await import('./call.js')).callCommand,
  'mcp-bridge': async () => (await import('./mcp-bridge.js')).mcpBridgeCommand,
  status: async () => (await import('./status.js')).statusCommand,
  token: async () => (await import('./token.js')).tokenCommand,
  logout: async () => (await import('./logout.js')).logoutCommand,
  login: async () => (await import('./login.js')).loginCommand,
};
const named = process.argv[2];
const needed = named !== undefined && Object.hasOwn(commands, named) ? [commands[named]!] : asksVersion ? [] : Object.values(commands);
for (const add of await Promise.all(needed.map((load) => load()))) add(program);

program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`oauth3: ${e.message}\n`);
  process.exit(1);
});
