import type { Command } from 'commander';
import { canonicalResource, SCOPE_TOKEN, type AppContext, type Resource } from '../kernel/index.js';
import { withContext } from './with-context.js';
import { printList, type Column } from './print-list.js';

const columns: Column<Resource>[] = [
  { header: 'URL', value: (r) => r.url },
  { header: 'NAME', value: (r) => r.name },
  { header: 'SOURCE', value: (r) => r.source },
  { header: 'INTROSPECTOR', value: (r) => r.introspector ?? null },
  { header: 'SCOPES', value: (r) => r.scopes.join(' ') },
];

/** Whether `url` is on this machine (http there is for development; anywhere else tokens would cross the network in clear). */
const loopback = (url: string) => /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(new URL(url).hostname);

/** The client allowed to introspect for the resource: it must exist and hold a secret (introspection needs one). */
async function checkIntrospector(ctx: AppContext, clientId: string): Promise<void> {
  const row = await ctx.db.selectFrom('oauth_clients').select('token_endpoint_auth_method').where('id', '=', clientId).executeTakeFirst();
  if (!row) throw new Error(`--introspector: no client ${clientId}`);
  if (row.token_endpoint_auth_method === 'none')
    throw new Error(`--introspector: ${clientId} is a public client; introspection needs a client secret`);
}

interface AddOptions {
  name: string;
  scopes?: string;
  /** A client id; false with --no-introspector (clear it); undefined: keep. */
  introspector?: string | false;
}

/**
 * `oauth3 resource add|list|remove`: resource servers (e.g. MCP servers running elsewhere that use this gateway
 * as their authorization server) tokens may be issued for (RFC 8707). Stored in the database; running gateways
 * see changes within seconds. Config `resources` adds more.
 */
export function resourceCommand(program: Command): void {
  const resource = program.command('resource').description('manage the resource servers tokens may be issued for');
  resource
    .command('add <url>')
    .description('add a resource server, or update one (its scopes and introspector stay unless given)')
    .requiredOption('--name <name>', 'name shown on consent pages')
    .option('--scopes <scopes>', 'space-separated scopes it accepts')
    .option('--introspector <client_id>', 'the client (the resource server) allowed to introspect tokens meant for it (RFC 7662)')
    .option('--no-introspector', 'allow no client but a token’s own to introspect it')
    .action((url: string, o: AddOptions) =>
      withContext(async (ctx) => {
        const canonical = canonicalResource(url);
        const scopes = o.scopes?.split(/\s+/).filter(Boolean);
        const bad = scopes?.find((s) => !SCOPE_TOKEN.test(s));
        if (bad) throw new Error(`--scopes: "${bad}" is not a valid scope`);
        if (!o.name.trim()) throw new Error('--name must not be empty');
        if (o.introspector) await checkIntrospector(ctx, o.introspector);
        if (canonical.startsWith('http:') && !loopback(canonical))
          process.stderr.write(`warning: ${canonical} is plain http on another host: tokens sent to it can be read on the way\n`);
        const old = await ctx.db.selectFrom('oauth_resources').selectAll().where('url', '=', canonical).executeTakeFirst();
        const row = {
          url: canonical,
          name: o.name.trim(),
          scope: scopes ? scopes.join(' ') : (old?.scope ?? ''),
          introspector: o.introspector === undefined ? (old?.introspector ?? null) : o.introspector || null,
        };
        await ctx.db
          .insertInto('oauth_resources')
          .values({ ...row, created_at: Date.now() })
          .onConflict((oc) => oc.column('url').doUpdateSet({ name: row.name, scope: row.scope, introspector: row.introspector }))
          .execute();
        process.stdout.write(`${old ? 'updated' : 'added'} ${canonical}\n`);
      }),
    );
  resource
    .command('list')
    .description('list every resource server (gateway, config and added ones)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withContext(async (ctx) => printList(await ctx.resources.list(), columns, { json: o.json, empty: 'no resource servers' })),
    );
  resource
    .command('remove <url>')
    .description('remove an added resource server (tokens already issued stay valid until they expire)')
    .action((url: string) =>
      withContext(async (ctx) => {
        const res = await ctx.db.deleteFrom('oauth_resources').where('url', '=', canonicalResource(url)).executeTakeFirst();
        if (Number(res.numDeletedRows) === 0)
          throw new Error(`${url} is not an added resource (config resources are removed from the config)`);
        process.stdout.write(`removed ${canonicalResource(url)}\n`);
      }),
    );
}
