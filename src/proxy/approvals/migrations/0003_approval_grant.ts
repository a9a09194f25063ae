import type { Kysely } from 'kysely';

/** The grant an approval was asked under, so that pending approvals are capped per grant (none on older rows). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('proxy_approvals').addColumn('grant_id', 'text').execute();
  await db.schema.createIndex('proxy_approvals_grant').on('proxy_approvals').columns(['grant_id', 'status']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('proxy_approvals_grant').execute();
  await db.schema.alterTable('proxy_approvals').dropColumn('grant_id').execute();
}
