import type { Command } from 'commander';
import { callProxyAction, createClient, defaultStore, parseActionInput, TokenError, ValidationError } from '../client/index.js';
import { clientAction, EXIT } from './client-action.js';

interface CallOptions {
  data: string;
  server?: string;
  resource?: string;
  approval?: string;
  wait?: boolean;
  timeout: string;
}

/** `oauth3 call PLUGIN ACTION --data JSON`: one action through the proxy with the stored login. */
async function call(plugin: string, action: string, o: CallOptions): Promise<number> {
  const input = parseActionInput(o.data); // before anything else: a bad input sends nothing
  const waitSeconds = Number(o.timeout);
  if (!(waitSeconds > 0)) throw new ValidationError('--timeout must be a number of seconds', { reason: 'invalid_timeout' });
  const store = await defaultStore({ server: o.server, resource: o.resource });
  const stored = await store.load();
  if (!stored) throw new TokenError(`no login stored at ${store.location}: run oauth3 login`, { reason: 'login_required' });
  const gateway = o.server ?? stored.issuer;
  const client = createClient({ server: gateway, resource: stored.resource, store });
  const outcome = await callProxyAction({
    gateway,
    plugin,
    action,
    input,
    fetch: (url, init) => client.fetch(url, init),
    approvalId: o.approval,
    waitMs: o.wait ? waitSeconds * 1000 : undefined,
    onApproval: (asked) => {
      const before = asked.expires_at ? ` before ${asked.expires_at}` : '';
      process.stderr.write(
        `${plugin}.${action} needs the person's approval: nothing ran yet.\n  Approve it at ${asked.approve_url}${before}\n`,
      );
      process.stderr.write(
        o.wait ? '  waiting for the approval…\n' : `  then run the same command with --approval ${asked.approval_id} (or with --wait)\n`,
      );
    },
  });
  if (outcome.kind === 'approval') return EXIT.approvalPending;
  if (outcome.kind === 'upstream') {
    // an http plugin's answer, the upstream's bytes as they came
    process.stdout.write(outcome.body.endsWith('\n') || outcome.body === '' ? outcome.body : `${outcome.body}\n`);
    if (outcome.status < 400) return EXIT.ok;
    process.stderr.write(`oauth3: the upstream answered HTTP ${outcome.status}\n`);
    return EXIT.error;
  }
  process.stdout.write(`${JSON.stringify(outcome.result, null, 2)}\n`);
  return EXIT.ok;
}

/** `oauth3 call PLUGIN ACTION --data JSON [--server URL | --resource URL] [--approval ID] [--wait [--timeout S]]`. */
export function callCommand(program: Command): void {
  program
    .command('call')
    .description('call an action through the gateway’s proxy (POST /proxy/PLUGIN/ACTION) with the stored login; prints the result as JSON')
    .argument('<plugin>', 'the plugin, e.g. telegram')
    .argument('<action>', 'the action, e.g. sendMessage')
    .option('--data <json>', 'the action’s input: a JSON object', '{}')
    .option('--server <url>', 'the gateway (when more than one login is stored)')
    .option('--resource <url>', 'use the login for this resource')
    .option('--approval <id>', 'repeat a call the person approved (sent as the Approval-Id header)')
    .option('--wait', 'when the person must approve the call, wait for the approval, then make the call')
    .option('--timeout <seconds>', 'how long --wait waits for the approval', '300')
    .option('--verbose', 'say more when something fails')
    .addHelpText(
      'after',
      '\nExit codes: 0 the result printed, 1 refused or failed, 2 the person denied the approval, 3 waiting for the person’s approval (without --wait), 4 log in first.',
    )
    .action(clientAction((plugin: string, action: string, o: CallOptions) => call(plugin, action, o)));
}
