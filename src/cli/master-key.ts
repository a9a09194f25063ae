import type { Command } from 'commander';
import { vaultOf } from '../vault/index.js';
import { withContext } from './with-context.js';

/**
 * `oauth3 master-key rewrap`: the last step of a master-key rotation (new key in OAUTH3_MASTER_KEY, the old one in
 * OAUTH3_MASTER_KEY_PREVIOUS): re-seals the signing keys and the vault data keys under the new master key, in one
 * transaction each. Run twice, it changes nothing; afterwards OAUTH3_MASTER_KEY_PREVIOUS can go.
 */
export function masterKeyCommand(program: Command): void {
  const mk = program.command('master-key').description('rotate the master key that seals the signing keys and the vault data keys');
  mk.command('rewrap')
    .description('re-seal everything under OAUTH3_MASTER_KEY (opening with OAUTH3_MASTER_KEY_PREVIOUS where needed)')
    .action(() =>
      withContext(async (ctx) => {
        const signing = await ctx.keys.rewrap();
        const data = await vaultOf(ctx).ring.rewrap();
        await ctx.audit.record(ctx.db, {
          action: 'vault.master_key_rewrapped',
          actor: { type: 'system' },
          target: { type: 'master_key', id: ctx.masterKey.id },
          detail: { signingKeys: signing, dataKeys: data },
        });
        process.stdout.write(
          `re-sealed ${signing} signing keys and ${data} vault data keys under master key ${ctx.masterKey.id}` +
            (ctx.masterKeys.size > 1 ? '; OAUTH3_MASTER_KEY_PREVIOUS can now be removed\n' : '\n'),
        );
      }),
    );
}
