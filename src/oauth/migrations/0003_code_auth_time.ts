import type { Kysely } from 'kysely';

/** OpenID Connect `auth_time`: when the person signed in (the session's start, epoch ms), kept with the code for the ID token. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oauth_codes').addColumn('auth_time', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oauth_codes').dropColumn('auth_time').execute();
}
