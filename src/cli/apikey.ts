import type { Command } from 'commander';
import { createApiKey, listApiKeys, revokeApiKey, vaultOf, type ApiKeySummary } from '../vault/index.js';
import { withContext } from './with-context.js';
import { withReadOnlyDatabase } from './with-read-only-database.js';
import { printList, when, type Column } from './print-list.js';

const columns: Column<ApiKeySummary>[] = [
  { header: 'ID', value: (k) => k.id },
  { header: 'NAME', value: (k) => k.name },
  { header: 'PROVIDERS', value: (k) => k.providers?.join(',') ?? 'any' },
  { header: 'CREATED', value: (k) => when(k.createdAt) },
  { header: 'LAST USED', value: (k) => when(k.lastUsedAt) },
  { header: 'REVOKED', value: (k) => when(k.revokedAt) },
];

/** The `--name` of a key: what the person sees as the server (consent, access log); one line, at most 100 characters. */
function checkName(raw: string): string {
  const name = raw.trim();
  if (!name || name.length > 100 || /\p{Cc}/u.test(name)) throw new Error('--name: one line of at most 100 characters');
  return name;
}

/**
 * `oauth3 apikey create|list|revoke`: the vault API keys MCP servers send to the server API (`/auth/token`…) as
 * `Authorization: Bearer o3k_…` or `X-API-Key`. A key is printed once and stored only as its hash.
 */
export function apikeyCommand(program: Command): void {
  const apikey = program.command('apikey').description('manage the vault API keys of MCP servers (the /auth/* server API)');
  apikey
    .command('create')
    .description('make a key for a server and print it once (stdout); the person sees the server by its name')
    .requiredOption('--name <name>', 'the server’s name, shown to people when it asks to use their accounts')
    .option('--providers <ids>', 'comma-separated provider ids it may ask for (default: any)')
    .action((o: { name: string; providers?: string }) => {
      const name = checkName(o.name);
      const providers = o.providers === undefined ? null : [...new Set(o.providers.split(',').map((p) => p.trim()))];
      if (providers && (providers.length === 0 || providers.includes('')))
        throw new Error('--providers: a comma-separated list of provider ids');
      return withContext(async (ctx) => {
        const configured = vaultOf(ctx).providers.map((p) => p.id);
        const unknown = providers?.find((p) => !configured.includes(p));
        if (unknown) throw new Error(`--providers: no provider "${unknown}" is configured (oauth3 provider list shows them)`);
        const { key, summary } = await createApiKey(ctx, { name, providers });
        process.stderr.write(
          `${summary.id} "${summary.name}" for ${providers ? providers.join(', ') : 'any provider'}: shown once, store it now\n`,
        );
        process.stdout.write(`${key}\n`);
      });
    });
  apikey
    .command('list')
    .description('list keys: id, name, providers, created, last used, revoked (never the keys themselves)')
    .option('--json', 'print JSON (times in epoch milliseconds)')
    .action((o: { json?: boolean }) =>
      withReadOnlyDatabase(async (db) => printList(await listApiKeys(db), columns, { json: o.json, empty: 'no vault API keys' })),
    );
  apikey
    .command('revoke <id>')
    .description('revoke a key: the server it was given to gets 401 from then on')
    .action((id: string) =>
      withContext(async (ctx) => {
        const r = await revokeApiKey(ctx, id);
        if (r === 'unknown') throw new Error(`no such key: ${id} (oauth3 apikey list shows them)`);
        process.stdout.write(r === 'already' ? `${id} was already revoked\n` : `revoked ${id}\n`);
      }),
    );
}
