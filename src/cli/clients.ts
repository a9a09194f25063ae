import type { Command } from 'commander';
import { listClients, removeClient, type ClientSummary } from '../oauth/index.js';
import { withContext } from './with-context.js';
import { withReadOnlyDatabase } from './with-read-only-database.js';
import { printList, when, type Column } from './print-list.js';

const columns: Column<ClientSummary>[] = [
  { header: 'CLIENT ID', value: (c) => c.clientId },
  { header: 'NAME', value: (c) => c.name },
  { header: 'SOURCE', value: (c) => c.source },
  { header: 'CREATED', value: (c) => when(c.createdAt) },
  { header: 'LAST USED', value: (c) => when(c.lastUsedAt) },
];

/** `oauth3 clients list|remove`: the registered OAuth clients (static, dcr, cimd, agent). */
export function clientsCommand(program: Command): void {
  const clients = program.command('clients').description('manage registered OAuth clients');
  clients
    .command('list')
    .description('list clients: id, name, source (static, dcr, cimd, agent), created, last used')
    .option('--json', 'print JSON (times in epoch milliseconds)')
    .action((o: { json?: boolean }) =>
      withReadOnlyDatabase(async (db) => printList(await listClients(db), columns, { json: o.json, empty: 'no clients registered' })),
    );
  clients
    .command('remove <client_id>')
    .description('remove a client and revoke its grants and tokens (it gets invalid_client and must register again)')
    .action((clientId: string) =>
      withContext(async (ctx) => {
        const r = await removeClient(ctx, clientId);
        if (!r.removed && r.reason === 'unknown') throw new Error(`no such client: ${clientId} (oauth3 clients list shows them)`);
        if (!r.removed) throw new Error(`${clientId} is an agent: its owner revokes it on their agents page`);
        process.stdout.write(
          `removed ${clientId} (${r.grants} grants, ${r.families} refresh families, ${r.tokens} access tokens revoked)\n`,
        );
      }),
    );
}
