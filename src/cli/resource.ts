import type { Command } from 'commander';
import { canonicalResource, SCOPE_TOKEN } from '../kernel/index.js';
import { withContext } from './with-context.js';

/**
 * `oauth3 resource add|list|remove`: resource servers (e.g. MCP servers running elsewhere that use this gateway
 * as their authorization server) tokens may be issued for (RFC 8707). Stored in the database; running gateways
 * see changes within seconds. Config `resources` adds more.
 */
export function resourceCommand(program: Command): void {
  const resource = program.command('resource').description('manage the resource servers tokens may be issued for');
  resource
    .command('add <url>')
    .description('add (or update) a resource server')
    .requiredOption('--name <name>', 'name shown on consent pages')
    .option('--scopes <scopes>', 'space-separated scopes it accepts', '')
    .action((url: string, o: { name: string; scopes: string }) =>
      withContext(async (ctx) => {
        const canonical = canonicalResource(url);
        const scopes = o.scopes.split(/\s+/).filter(Boolean);
        const bad = scopes.find((s) => !SCOPE_TOKEN.test(s));
        if (bad) throw new Error(`--scopes: "${bad}" is not a valid scope`);
        if (!o.name.trim()) throw new Error('--name must not be empty');
        const row = { url: canonical, name: o.name.trim(), scope: scopes.join(' '), created_at: Date.now() };
        await ctx.db
          .insertInto('oauth_resources')
          .values(row)
          .onConflict((oc) => oc.column('url').doUpdateSet({ name: row.name, scope: row.scope }))
          .execute();
        process.stdout.write(`${canonical}\n`);
      }),
    );
  resource
    .command('list')
    .description('list every resource server (gateway, config and added ones)')
    .action(() =>
      withContext(async (ctx) => {
        for (const r of await ctx.resources.list()) process.stdout.write(`${r.url}\t${r.name}\t${r.source}\t${r.scopes.join(' ')}\n`);
      }),
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
