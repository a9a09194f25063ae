import type { Kysely } from 'kysely';

/** Sessions remember the passkey that opened them, so removing a passkey can end them (ASVS V3.3.3). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('passkey_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('passkey_id').execute();
}
