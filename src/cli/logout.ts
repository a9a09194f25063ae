import type { Command } from 'commander';
import { defaultStore, logout } from '../client/index.js';
import { clientAction } from './client-action.js';

interface LogoutOptions {
  server?: string;
  resource?: string;
  force?: boolean;
}

/** `oauth3 logout`: revokes at the server (RFC 7009), then deletes the stored login. */
async function run(o: LogoutOptions): Promise<void> {
  const store = await defaultStore({ server: o.server, resource: o.resource });
  const done = await logout({ store, force: o.force });
  if (done.warning) process.stderr.write(`oauth3: ${done.warning}\n`);
  process.stdout.write(`logged out of ${done.issuer}${done.revoked ? ' (tokens revoked)' : ''}; deleted ${store.location}\n`);
}

/** `oauth3 logout [--server URL] [--resource URL] [--force]`. */
export function logoutCommand(program: Command): void {
  program
    .command('logout')
    .description(
      'revoke the stored tokens at the server (RFC 7009), then delete them; when the server cannot be reached the login is kept unless --force',
    )
    .option('--server <url>', 'the authorization server (issuer) of the login')
    .option('--resource <url>', 'the resource of the login')
    .option('--force', 'delete the stored login even when the server could not revoke it (the tokens stay valid until they expire)')
    .option('--verbose', 'say more when something fails')
    .action(clientAction((o: LogoutOptions) => run(o)));
}
