import type { Command } from 'commander';
import { createTokenManager, defaultStore } from '../client/index.js';
import { clientAction } from './client-action.js';

/** `oauth3 token`: prints a fresh access token and only that on stdout (a credential helper for other tools). */
async function token(o: { server?: string; resource?: string }): Promise<void> {
  const store = await defaultStore({ server: o.server, resource: o.resource });
  process.stdout.write(`${await createTokenManager({ store }).getAccessToken()}\n`);
}

/** `oauth3 token [--server URL] [--resource URL]`. */
export function tokenCommand(program: Command): void {
  program
    .command('token')
    .description('print a fresh access token (refreshed within 5 minutes of expiry) and only that: usable as a credential helper')
    .option('--server <url>', 'the authorization server (issuer) of the login')
    .option('--resource <url>', 'the resource of the login')
    .option('--verbose', 'say more when something fails')
    .addHelpText(
      'after',
      '\nExample: curl -H "Authorization: Bearer $(oauth3 token)" https://gateway.example/api/v1/me\nExit codes: 0 ok, 1 error, 4 log in first.',
    )
    .action(clientAction((o: { server?: string; resource?: string }) => token(o)));
}
