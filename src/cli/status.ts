import type { Command } from 'commander';
import { defaultStore, expiryInWords, listStoredLogins, type StoredCredentials } from '../client/index.js';
import { clientAction } from './client-action.js';

interface StatusOptions {
  server?: string;
  resource?: string;
  json?: boolean;
}

/** One login as `--json` prints it. */
function asJson(c: StoredCredentials, path: string) {
  const now = Math.floor(Date.now() / 1000);
  return {
    server: c.issuer,
    resource: c.resource ?? null,
    account: c.account ?? null,
    scopes: c.scope.split(' ').filter(Boolean),
    expires_at: new Date(c.expires_at * 1000).toISOString(),
    expired: c.expires_at <= now,
    refreshable: Boolean(c.refresh_token),
    client_id: c.client.client_id,
    store: path,
  };
}

/** One login in lines a person reads. */
function asText(c: StoredCredentials, path: string): string {
  const account = c.account ? `${c.account.name ? `${c.account.name} ` : ''}(${c.account.sub})` : 'unknown';
  return [
    `server:   ${c.issuer}`,
    ...(c.resource ? [`resource: ${c.resource}`] : []),
    `account:  ${account}`,
    `scopes:   ${c.scope || '(none)'}`,
    `token:    ${expiryInWords(c.expires_at, Boolean(c.refresh_token))}`,
    `stored:   ${path}`,
  ].join('\n');
}

/** `oauth3 status`: the stored login (every one, when no option names one). No network call. */
async function status(o: StatusOptions): Promise<void> {
  let logins;
  if (o.server || o.resource) {
    const store = await defaultStore({ server: o.server, resource: o.resource });
    logins = (await listStoredLogins()).filter((l) => l.path === store.location);
  } else {
    logins = await listStoredLogins();
    if (logins.length === 0) await defaultStore(); // throws login_required with the message that says what to do
  }
  if (o.json) {
    const all = logins.map((l) => asJson(l.credentials, l.path));
    process.stdout.write(`${JSON.stringify(o.server || o.resource ? all[0] : all, null, 2)}\n`);
  } else {
    process.stdout.write(`${logins.map((l) => asText(l.credentials, l.path)).join('\n\n')}\n`);
  }
}

/** `oauth3 status [--server URL] [--resource URL] [--json]`. */
export function statusCommand(program: Command): void {
  program
    .command('status')
    .description('show the stored login: server, account, scopes, when the token expires (every login when no option names one)')
    .option('--server <url>', 'the authorization server (issuer) of the login')
    .option('--resource <url>', 'the resource of the login')
    .option('--json', 'print JSON (an object with --server/--resource, else an array)')
    .option('--verbose', 'say more when something fails')
    .action(clientAction((o: StatusOptions) => status(o)));
}
