import type { Command } from 'commander';
import { listUsers, type UserSummary } from '../accounts/index.js';
import { withReadOnlyDatabase } from './with-read-only-database.js';
import { printList, when, type Column } from './print-list.js';

const columns: Column<UserSummary>[] = [
  { header: 'ID', value: (u) => u.id },
  { header: 'USERNAME', value: (u) => u.username },
  { header: 'EMAIL', value: (u) => u.email },
  { header: 'CREATED', value: (u) => when(u.createdAt) },
  { header: 'PASSKEYS', value: (u) => u.passkeys },
  { header: 'LAST SIGN-IN', value: (u) => when(u.lastSignInAt) },
];

/** `oauth3 users list`: the accounts, for an operator (read-only: creates nothing). */
export function usersCommand(program: Command): void {
  const users = program.command('users').description('see the accounts');
  users
    .command('list')
    .description('list accounts: id, username and email if set, created, passkeys, last sign-in')
    .option('--json', 'print JSON (times in epoch milliseconds)')
    .action((o: { json?: boolean }) =>
      withReadOnlyDatabase(async (db) => printList(await listUsers(db), columns, { json: o.json, empty: 'no accounts yet' })),
    );
}
