import type { Kysely } from 'kysely';

/** A resource names the client allowed to introspect tokens meant for it (RFC 7662 §4); null: only a token's own client. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oauth_resources').addColumn('introspector', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oauth_resources').dropColumn('introspector').execute();
}
