import type { Command } from 'commander';
import { fileTokenStore, login, ValidationError } from '../client/index.js';
import { clientAction } from './client-action.js';

interface LoginCliOptions {
  server?: string;
  resource?: string;
  scope?: string[];
  clientId?: string;
  browser: boolean;
  timeout: string;
}

/** A spinner on stderr while the browser step runs (only on a terminal), with the time left. */
function spinner(timeoutMs: number): () => void {
  if (!process.stderr.isTTY) return () => undefined;
  const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
  const end = Date.now() + timeoutMs;
  let i = 0;
  const timer = setInterval(() => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    process.stderr.write(
      `\r${frames[i++ % frames.length]} Waiting for the browser (${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} left)… `,
    );
  }, 100);
  return () => {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  };
}

async function run(o: LoginCliOptions): Promise<void> {
  const seconds = Number(o.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new ValidationError(`--timeout must be a number of seconds, not "${o.timeout}".`, { reason: 'invalid_timeout' });
  if (!o.server && !o.resource)
    throw new ValidationError('Say where to log in: --server URL (the gateway) or --resource URL (a protected resource).', {
      reason: 'invalid_request',
    });
  const timeoutMs = seconds * 1000;
  let stop = () => undefined as void;
  try {
    const c = await login({
      server: o.server,
      resource: o.resource,
      scopes: o.scope?.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean),
      clientId: o.clientId,
      openBrowser: o.browser,
      timeoutMs,
      onUrl: (url) => {
        process.stderr.write(
          o.browser
            ? `Opening your browser to log in. If it does not open, visit:\n  ${url}\n`
            : `Open this URL in a browser to log in:\n  ${url}\n`,
        );
        stop = spinner(timeoutMs);
      },
    });
    stop();
    const who = c.account ? (c.account.name ? `${c.account.name} (${c.account.sub})` : c.account.sub) : 'an unnamed account';
    const where = fileTokenStore({ issuer: c.issuer, resource: c.resource }).location;
    process.stdout.write(
      `Logged in to ${c.issuer}${c.resource ? ` for ${c.resource}` : ''} as ${who}; scopes: ${c.scope || '(the server’s default)'}.\nToken stored in ${where}\n`,
    );
  } finally {
    stop();
  }
}

/** `oauth3 login`: log in with the browser (PKCE, a loopback redirect) and store the tokens. */
export function loginCommand(program: Command): void {
  program
    .command('login')
    .description('log in with your browser (PKCE and a loopback redirect) and store the tokens under ~/.config/oauth3/')
    .option('--server <url>', 'the authorization server (the gateway’s URL)')
    .option('--resource <url>', 'the protected resource to get tokens for (RFC 9728 discovery; sent as resource, RFC 8707)')
    .option('--scope <scope...>', 'scopes to ask for (default: the resource’s scopes, plus offline_access when offered)')
    .option('--client-id <id>', 'a client registered beforehand (public, redirect URI http://127.0.0.1/callback)')
    .option('--no-browser', 'print the URL instead of opening a browser (a remote shell)')
    .option('--timeout <seconds>', 'how long to wait for the browser', '300')
    .option('--verbose', 'say more when something fails')
    .addHelpText('after', '\nExit codes: 0 logged in, 1 failed, 2 declined in the browser.')
    .action(clientAction((o: LoginCliOptions) => run(o)));
}
