import type { Command } from 'commander';
import type { DataKeyInfo } from '../crypto/index.js';
import { vaultOf, reencrypt, rowsPerKey } from '../vault/index.js';
import { withContext } from './with-context.js';
import { printList, when, type Column } from './print-list.js';
import { progressBar } from './progress-bar.js';

type KeyRow = DataKeyInfo & { rows: number };

const columns: Column<KeyRow>[] = [
  { header: 'KID', value: (k) => k.kid },
  { header: 'STATUS', value: (k) => k.status },
  { header: 'ROWS', value: (k) => k.rows },
  { header: 'CREATED', value: (k) => when(k.createdAt) },
  { header: 'RETIRED', value: (k) => when(k.retiredAt) },
  { header: 'MASTER KEY', value: (k) => k.masterKid },
];

/**
 * `oauth3 vault status|rotate|reencrypt|retire`: the vault's data keys. A rotation reaches running gateways within
 * OAUTH3_KEYS_POLL_MS; `reencrypt` runs online beside them.
 */
export function vaultCommand(program: Command): void {
  const vault = program.command('vault').description('manage the vault data keys that encrypt upstream credentials');
  vault
    .command('status')
    .description('data keys with the credentials sealed under each, the primary, the last rotation')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withContext(async (ctx) => {
        const counts = await rowsPerKey(ctx.db);
        const keys = (await vaultOf(ctx).ring.list()).map((k) => ({ ...k, rows: counts.get(k.kid) ?? 0 }));
        printList(keys, columns, { json: o.json, empty: 'no vault data keys' });
        if (!o.json) {
          const primary = keys.find((k) => k.status === 'primary');
          const elsewhere = keys.filter((k) => k.status !== 'primary').reduce((n, k) => n + k.rows, 0);
          process.stdout.write(
            `\nprimary ${primary?.kid ?? '-'}, last rotation ${when(primary?.createdAt ?? null)}` +
              (elsewhere ? `; ${elsewhere} credentials on older keys: run oauth3 vault reencrypt\n` : '\n'),
          );
        }
      }),
    );
  vault
    .command('rotate')
    .description('make a new primary data key (running gateways use it within seconds); older keys keep opening')
    .action(() =>
      withContext(async (ctx) => {
        const kid = await vaultOf(ctx).ring.rotate();
        await ctx.audit.record(ctx.db, { action: 'vault.key_rotated', actor: { type: 'system' }, target: { type: 'data_key', id: kid } });
        process.stdout.write(`${kid}\n`);
      }),
    );
  vault
    .command('reencrypt')
    .description('re-seal every credential under the primary data key, online, in batches; safe to stop and run again')
    .option('--batch <n>', 'rows per transaction', '500')
    .action((o: { batch: string }) =>
      withContext(async (ctx) => {
        const batch = Number(o.batch);
        if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new Error('--batch must be a whole number in 1..10000');
        const bar = progressBar('reencrypt');
        const { resealed, failed } = await reencrypt(ctx.db, vaultOf(ctx).ring, {
          batch,
          onProgress: (p) => bar.update(p.done, p.total, p.rate),
        });
        bar.end();
        process.stdout.write(`re-sealed ${resealed} credentials under ${vaultOf(ctx).ring.primaryKid}\n`);
        if (failed.length)
          throw new Error(
            `${failed.length} credentials could not be decrypted (changed, or copied from another row) and stay on their key: ` +
              `connection ${failed.slice(0, 10).join(', ')}${failed.length > 10 ? ', …' : ''}; the person must connect them again`,
          );
      }),
    );
  vault
    .command('retire <kid>')
    .description('retire a data key no credential uses any more (it then opens nothing)')
    .action((kid: string) =>
      withContext(async (ctx) => {
        const counts = await rowsPerKey(ctx.db);
        const result = await vaultOf(ctx).ring.retire(kid, async (k) => counts.get(k) ?? 0);
        if (result === 'unknown') throw new Error(`no such key: ${kid} (oauth3 vault status shows them)`);
        if (result === 'primary') throw new Error(`${kid} is the primary key: rotate first (oauth3 vault rotate)`);
        if (result === 'in-use')
          throw new Error(`${counts.get(kid)} credentials are still sealed under ${kid}: run oauth3 vault reencrypt first`);
        await ctx.audit.record(ctx.db, { action: 'vault.key_retired', actor: { type: 'system' }, target: { type: 'data_key', id: kid } });
        process.stdout.write(`retired ${kid}\n`);
      }),
    );
}
