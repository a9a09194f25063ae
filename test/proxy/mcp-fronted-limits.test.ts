import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp } from '../support/test-app.js';
import { startFrontedNotes, type FrontedNotes } from '../support/fronted-notes.js';
import { policyFromGrantForm, policyKeysFor, proxyOf } from '../../src/proxy/index.js';
import { knownTools, loadKnownTools, rememberTools } from '../../src/proxy/plugins/mcp/fronted-tools.js';

// The limits a person may set on a fronted MCP server's tools: per tool once its tools are known (by any instance on
// the database), else per scope; a limit names a field of the tool's inputSchema.
describe.each(dialects)('limits on a fronted MCP server’s tools, on %s', (dialect) => {
  let fronted: FrontedNotes;
  let app: FrontedNotes['app'];
  let mcp: FrontedNotes['mcp'];

  beforeAll(async () => {
    fronted = await startFrontedNotes(dialect);
    ({ app, mcp } = fronted);
    // The server's tools are known once a tools/list went through the gateway
    const client = await fronted.connect(await fronted.token(['notes.read', 'notes.write']));
    await client.listTools();
    await client.close();
  });
  afterAll(async () => {
    await fronted?.stop();
  });

  it('offers limits per fronted tool on the grant forms once its tools are known, else per scope; a limit on a tool of a scope not granted is refused', async () => {
    const keys = policyKeysFor(proxyOf(app.ctx), ['notes.read', 'notes.write', 'private.use']);
    expect(keys.find((k) => k.name === 'mcp-notes.notes_add')?.fields).toEqual({ allow: ['text'], text: ['text'] }); // its inputSchema's
    expect(keys.map(({ name, label }) => ({ name, label }))).toEqual(
      expect.arrayContaining([
        { name: 'mcp-notes.notes_add', label: 'Notes: notes_add' },
        { name: 'mcp-notes.notes_list', label: 'Notes: notes_list' },
        { name: 'private.use', label: 'private: every tool of private.use' }, // never listed: by scope
      ]),
    );
    expect(keys.map((k) => k.name)).not.toContain('mcp-notes.admin_wipe');
    // A tool the form could not know of yet (of a granted scope) is accepted; one of a scope not granted is not.
    const form = { 'policy_rate_count:mcp-notes.new_tool': '3', 'policy_rate_per:mcp-notes.new_tool': 'day' };
    expect(policyFromGrantForm(proxyOf(app.ctx), form, ['notes.write'])).toEqual({
      actions: { 'mcp-notes.new_tool': { rate: { count: 3, per: 'day' } } },
    });
    expect(() => policyFromGrantForm(proxyOf(app.ctx), { 'policy_ask:mcp-notes.admin_wipe': '1' }, ['notes.write'])).toThrow(
      /"mcp-notes.admin_wipe" is neither an action nor a plugin scope granted here/,
    );
    // A limit names a field of the tool's inputSchema as the server listed it; a tool not listed yet cannot be checked
    const limit = (key: string, field: string) => ({ [`policy_max_field:${key}`]: field, [`policy_max_length:${key}`]: '5' });
    expect(() => policyFromGrantForm(proxyOf(app.ctx), limit('mcp-notes.notes_add', 'body'), ['notes.write'])).toThrow(
      /mcp-notes.notes_add has no input field "body" \(its fields: text\)/,
    );
    expect(policyFromGrantForm(proxyOf(app.ctx), limit('mcp-notes.notes_add', 'text'), ['notes.write'])).toBeDefined();
    expect(policyFromGrantForm(proxyOf(app.ctx), limit('mcp-notes.new_tool', 'body'), ['notes.write'])).toBeDefined();
  });

  it('another instance on the database knows the tools this one listed: at its start, and when they change, without listing them', async () => {
    const server = app.config.mcpServers.find((x) => x.id === 'notes')!;
    const listings = () => mcp.requests.filter((r) => r.method === 'tools/list').length;
    const before = listings();
    const other = await startTestApp(dialect, {
      ...(({ dataDir, databaseUrl, masterKey, providers, proxyAllowRanges, mcpServers }) => ({
        dataDir,
        databaseUrl,
        masterKey,
        providers,
        proxyAllowRanges,
        mcpServers,
      }))(app.config),
    });
    try {
      const toolKeys = (ctx: typeof app.ctx) =>
        policyKeysFor(proxyOf(ctx), ['notes.write'])
          .map((k) => k.name)
          .filter((n) => n.startsWith('mcp-notes.'));
      expect(toolKeys(other.ctx)).toEqual(toolKeys(app.ctx));
      expect(toolKeys(other.ctx)).toContain('mcp-notes.notes_add');
      // The server lists one tool more through this instance: the other reads it (as its poll does), still not listing
      const tools = [...knownTools(app.ctx, server)!.values()].map((k) => k.tool);
      await rememberTools(app.ctx, server, [
        ...tools,
        { name: 'notes_tag', inputSchema: { type: 'object', properties: { tag: { type: 'string' } } } },
      ]);
      expect(toolKeys(other.ctx)).not.toContain('mcp-notes.notes_tag');
      await loadKnownTools(other.ctx);
      expect(toolKeys(other.ctx)).toContain('mcp-notes.notes_tag');
      // Its limits are checked against that tool's fields on the other instance too
      expect(() =>
        policyFromGrantForm(
          proxyOf(other.ctx),
          { 'policy_allow_field:mcp-notes.notes_tag': 'label', 'policy_allow_values:mcp-notes.notes_tag': 'a' },
          ['notes.write'],
        ),
      ).toThrow(/has no input field "label" \(its fields: tag\)/);
      expect(listings()).toBe(before);
    } finally {
      await other.stop();
      await rememberTools(
        app.ctx,
        server,
        [...knownTools(app.ctx, server)!.values()].map((k) => k.tool).filter((t) => t.name !== 'notes_tag'),
      );
    }
  });
});
