import type { Command } from 'commander';
import { withContext } from './with-context.js';

/** `oauth3 keys list|rotate|retire`: the ES256 signing keys published at /jwks.json. */
export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('manage signing keys');
  keys
    .command('list')
    .description('list signing keys (active signs; verify still verifies; retired is gone from the JWKS)')
    .action(() =>
      withContext(async (ctx) => {
        for (const k of await ctx.keys.list()) {
          process.stdout.write(`${k.kid}\t${k.alg}\t${k.status}\t${new Date(k.createdAt).toISOString()}\n`);
        }
      }),
    );
  keys
    .command('rotate')
    .description('add a new active signing key; the old one keeps verifying until retired')
    .action(() =>
      withContext(async (ctx) => {
        const kid = await ctx.keys.rotate();
        await ctx.audit.record(ctx.db, { action: 'keys.rotated', actor: { type: 'system' }, target: { type: 'signing_key', id: kid } });
        process.stdout.write(`${kid}\n`);
      }),
    );
  keys
    .command('retire <kid>')
    .description('retire a rotated-out key: tokens it signed stop verifying')
    .action((kid: string) =>
      withContext(async (ctx) => {
        if (!(await ctx.keys.retire(kid))) throw new Error(`${kid} is not a rotated-out key (only keys in status "verify" can be retired)`);
        await ctx.audit.record(ctx.db, { action: 'keys.retired', actor: { type: 'system' }, target: { type: 'signing_key', id: kid } });
        process.stdout.write(`retired ${kid}\n`);
      }),
    );
}
