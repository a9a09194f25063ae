import type { Kysely } from 'kysely';

/** Sign-up invitations (`oauth3 invite`): single use, stored as the SHA-256 of the token, expiring. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('account_invites')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('used_by', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('account_invites').execute();
}
