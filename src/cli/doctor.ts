import type { Command } from 'commander';
import { runDoctor, ValidationError } from '../client/index.js';
import { clientAction, EXIT } from './client-action.js';

interface DoctorFlags {
  clientId?: string;
  clientSecret?: string;
  json?: boolean;
}

const mark = { pass: 'pass', fail: 'FAIL', skip: 'skip' } as const;

/**
 * `oauth3 doctor URL`: checks a live deployment as an MCP client would (the 401 challenge, protected-resource and AS
 * metadata, S256, `iss`, registration, the `aud` round trip, CIMD's refusal of private addresses). One line per
 * check; exit 0 only when none failed (a skipped check is not a failure, and is printed as skipped).
 */
export function doctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check a deployment as an MCP client would: one line per check, exit 1 if any fails')
    .argument('<url>', "an MCP server's URL, or a gateway's public URL (its own API)")
    .option('--client-id <id>', 'a confidential client allowed client_credentials, for the resource/aud round trip')
    .option('--client-secret <secret>', 'its secret (or OAUTH3_CLIENT_SECRET, kept out of the process list)')
    .option('--json', 'print the checks as JSON')
    .action(
      clientAction(async (url: string, o: DoctorFlags) => {
        const clientSecret = o.clientSecret ?? process.env.OAUTH3_CLIENT_SECRET;
        if (o.clientId && !clientSecret)
          throw new ValidationError('--client-id needs --client-secret (or OAUTH3_CLIENT_SECRET).', { reason: 'invalid_flags' });
        const checks = await runDoctor({ url, clientId: o.clientId, clientSecret: o.clientId ? clientSecret : undefined });
        const ok = checks.every((c) => c.status !== 'fail');
        if (o.json) process.stdout.write(`${JSON.stringify({ url, ok, checks }, null, 2)}\n`);
        else {
          const width = Math.max(...checks.map((c) => c.name.length));
          for (const c of checks) process.stdout.write(`${mark[c.status]}  ${c.name.padEnd(width)}  ${c.detail}\n`);
          const failed = checks.filter((c) => c.status === 'fail').map((c) => c.name);
          process.stdout.write(ok ? `ok: ${url} works for MCP clients\n` : `NOT ok: ${url} fails ${failed.join(', ')}\n`);
        }
        return ok ? EXIT.ok : EXIT.error;
      }),
    );
}
