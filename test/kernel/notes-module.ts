// An external module, as a third party would write one: it knows only the kernel's context and manifest type,
// and is loaded by path through OAUTH3_MODULES. It declares a config option, a migration, a scope, an audit event
// type, an error code and a route; test/kernel/external-module.test.ts checks that each reaches where it belongs.
import { sql, type Kysely } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { opt } from '../../src/config/index.js';
import { AppError, defineErrorCodes } from '../../src/errors/index.js';
import type { AppContext, GatewayModule } from '../../src/kernel/index.js';

const notesErrors = defineErrorCodes({ ERR_NOTES_EMPTY: { status: 404, message: 'You have no notes yet.' } });
const options = {
  notesGreeting: opt.string('OAUTH3_NOTES_GREETING', "What GET /api/v1/notes greets with (a test module's option).", 'hello'),
};

const notesModule: GatewayModule = {
  name: 'notes',
  options,
  migrations: {
    '0001_notes': {
      up: (db: Kysely<unknown>) =>
        db.schema
          .createTable('notes')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .execute(),
      down: (db: Kysely<unknown>) => db.schema.dropTable('notes').execute(),
    },
  },
  scopes: [{ name: 'notes.read', description: 'Read your test notes' }],
  eventTypes: [{ action: 'notes.listed', kind: 'notes', label: 'Notes listed' }],
  errorCodes: Object.values(notesErrors),
  routes(app: FastifyInstance, ctx: AppContext) {
    app.get('/api/v1/notes', async (request) => {
      const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
      const { userId } = await ctx.tokens.verify(bearer, { audience: ctx.resources.gatewayUrl, scope: 'notes.read', ip: request.ip });
      const rows = await sql<{ body: string }>`select body from notes where user_id = ${userId}`.execute(ctx.db);
      if (rows.rows.length === 0) throw new AppError(notesErrors.ERR_NOTES_EMPTY);
      ctx.audit.enqueue({ action: 'notes.listed', actor: { type: 'user', id: userId }, userId, detail: { count: rows.rows.length } });
      return { greeting: (ctx.config as unknown as { notesGreeting: string }).notesGreeting, notes: rows.rows.map((r) => r.body) };
    });
  },
};

export default notesModule;
