import { Option, type Command } from 'commander';
import { listSigningKeys, type SigningAlg, type SigningKeyInfo } from '../crypto/index.js';
import { withContext } from './with-context.js';
import { withReadOnlyDatabase } from './with-read-only-database.js';
import { printList, when, type Column } from './print-list.js';

const columns: Column<SigningKeyInfo>[] = [
  { header: 'KID', value: (k) => k.kid },
  { header: 'ALG', value: (k) => k.alg },
  { header: 'STATUS', value: (k) => k.status },
  { header: 'CREATED', value: (k) => when(k.createdAt) },
  { header: 'RETIRED', value: (k) => when(k.retiredAt) },
];

/**
 * `oauth3 keys list|rotate|retire`: the signing keys published at /jwks.json (ES256 signs every token; RS256 signs
 * the ID tokens of OpenID clients that ask for it). Running gateways see changes within OAUTH3_KEYS_POLL_MS.
 */
export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('manage signing keys');
  keys
    .command('list')
    .description('list signing keys (active signs; verify still verifies; retired is gone from the JWKS)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withReadOnlyDatabase(async (db) => printList(await listSigningKeys(db), columns, { json: o.json, empty: 'no signing keys' })),
    );
  keys
    .command('rotate')
    .description('add a new active signing key of one algorithm; the one it replaces keeps verifying until retired')
    .addOption(
      new Option('--alg <alg>', 'ES256 signs every token the gateway issues; RS256 signs ID tokens for OpenID clients')
        .choices(['ES256', 'RS256'])
        .default('ES256'),
    )
    .action((o: { alg: SigningAlg }) =>
      withContext(async (ctx) => {
        const kid = await ctx.keys.rotate(o.alg);
        await ctx.audit.record(ctx.db, {
          action: 'keys.rotated',
          actor: { type: 'system' },
          target: { type: 'signing_key', id: kid },
          detail: { alg: o.alg },
        });
        process.stdout.write(`${kid}\n`);
      }),
    );
  keys
    .command('retire <kid>')
    .description('retire a rotated-out key: tokens it signed stop verifying')
    .action((kid: string) =>
      withContext(async (ctx) => {
        const key = (await ctx.keys.list()).find((k) => k.kid === kid);
        if (!key) throw new Error(`no such key: ${kid} (oauth3 keys list shows them)`);
        if (!(await ctx.keys.retire(kid)))
          throw new Error(`${kid} is ${key.status}, not a rotated-out key (only keys in status "verify" can be retired)`);
        await ctx.audit.record(ctx.db, { action: 'keys.retired', actor: { type: 'system' }, target: { type: 'signing_key', id: kid } });
        process.stdout.write(`retired ${kid}\n`);
      }),
    );
}
