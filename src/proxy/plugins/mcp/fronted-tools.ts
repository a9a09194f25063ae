import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AppContext } from '../../../kernel/index.js';
import { AppError } from '../../../errors/index.js';
import { proxyErrors } from '../../proxy-errors.js';
import { compileInput, MAX_INPUT_BYTES, type InputValidator } from '../../validate-input.js';
import type { FrontedMcpServer } from './mcp-servers-options.js';
import './fronted-tools-table.js';

/** A fronted server's tool as the gateway last saw it in the server's tools/list, with its input's validator. */
export interface KnownTool {
  tool: Tool;
  /** Validates a call's arguments against the tool's inputSchema (a schema that does not compile: only "an object"). */
  validate: InputValidator;
}

const known = new WeakMap<AppContext, Map<string, ServerTools>>();

/** The plugin id a fronted server's tools are called under (policy keys, approvals, audit): `mcp-{id}`. */
export function frontedPluginId(server: Pick<FrontedMcpServer, 'id'>): string {
  return `mcp-${server.id}`;
}

/** Only "an object", bounded: for a tool whose inputSchema the gateway cannot compile (the server checks its own). */
const anObject: InputValidator = (input) => {
  const value = input ?? {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new AppError(proxyErrors.ERR_PROXY_INVALID_INPUT, 'The input is invalid: input must be object.', {
      field: 'input',
      reason: 'must be object',
    });
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_INPUT_BYTES)
    throw new AppError(proxyErrors.ERR_PROXY_INVALID_INPUT, `The input is larger than ${MAX_INPUT_BYTES} bytes.`);
  return value;
};

function validatorOf(server: FrontedMcpServer, tool: Tool): InputValidator {
  const { $schema: _ignored, ...schema } = tool.inputSchema as Record<string, unknown>;
  try {
    return compileInput(schema, `mcp server ${server.id}, tool ${tool.name}`, { strict: false });
  } catch {
    return anObject;
  }
}

/** A server's tools as this process knows them: from its own last tools/list, or another instance's (the table). */
interface ServerTools {
  tools: Map<string, KnownTool>;
  /** ms: when they were listed. */
  listedAt: number;
  /** Their JSON, as stored: a listing that changed nothing writes nothing. */
  json: string;
}

/** A tool list larger than this is kept in this process only (a server listing megabytes of tools is odd). */
const MAX_STORED_BYTES = 1_048_576;

/** The tools known in this process, by server id (an empty map when none). */
function serversOf(ctx: AppContext): Map<string, ServerTools> {
  let servers = known.get(ctx);
  if (!servers) known.set(ctx, (servers = new Map()));
  return servers;
}

/** Sets a server's known tools, reusing the validators of tools whose inputSchema did not change. */
function setTools(ctx: AppContext, server: FrontedMcpServer, tools: readonly Tool[], listedAt: number, json: string): void {
  const servers = serversOf(ctx);
  const previous = servers.get(server.id)?.tools;
  const next = new Map<string, KnownTool>();
  for (const tool of tools) {
    const before = previous?.get(tool.name);
    const same = before && JSON.stringify(before.tool.inputSchema) === JSON.stringify(tool.inputSchema);
    next.set(tool.name, { tool, validate: same ? before.validate : validatorOf(server, tool) });
  }
  servers.set(server.id, { tools: next, listedAt, json });
}

/**
 * Remembers the tools a fronted server listed (every tools/list through the gateway replaces them): the call path
 * validates arguments against them and the grant forms offer limits per tool. Stored when they changed, so every
 * instance on the database (and this one after a restart) knows them too (`loadKnownTools`); a failed write is
 * logged and the tools are still known here.
 */
export async function rememberTools(ctx: AppContext, server: FrontedMcpServer, tools: readonly Tool[]): Promise<void> {
  const json = JSON.stringify(tools);
  const listedAt = Date.now();
  const changed = serversOf(ctx).get(server.id)?.json !== json;
  setTools(ctx, server, tools, listedAt, json);
  if (!changed || Buffer.byteLength(json) > MAX_STORED_BYTES) return;
  try {
    await ctx.db
      .insertInto('mcp_fronted_tools')
      .values({ server_id: server.id, tools: json, listed_at: listedAt })
      .onConflict((oc) =>
        oc.column('server_id').doUpdateSet({ tools: json, listed_at: listedAt }).where('mcp_fronted_tools.listed_at', '<', listedAt),
      )
      .execute();
  } catch (e) {
    ctx.log.warn({ server: server.id, err: e instanceof Error ? e.message : String(e) }, 'the fronted server’s tools were not stored');
  }
}

/**
 * Reads the tools the configured fronted servers last listed through any instance, where they are newer than
 * this process knows (at start, then every `FRONTED_TOOLS_POLL_MS`). A row that does not parse is skipped.
 */
export async function loadKnownTools(ctx: AppContext): Promise<void> {
  const servers = ctx.config.mcpServers ?? [];
  if (!servers.length) return;
  const rows = await ctx.db
    .selectFrom('mcp_fronted_tools')
    .selectAll()
    .where(
      'server_id',
      'in',
      servers.map((s) => s.id),
    )
    .execute();
  for (const row of rows) {
    const server = servers.find((s) => s.id === row.server_id)!;
    const listedAt = Number(row.listed_at);
    if ((serversOf(ctx).get(server.id)?.listedAt ?? -1) >= listedAt) continue;
    let tools: unknown;
    try {
      tools = JSON.parse(row.tools);
    } catch {
      continue;
    }
    if (Array.isArray(tools) && tools.every((t) => typeof (t as Tool | null)?.name === 'string'))
      setTools(ctx, server, tools as Tool[], listedAt, row.tools);
  }
}

/** How often an instance reads the tools other instances listed (ms). */
export const FRONTED_TOOLS_POLL_MS = 30_000;

/** The tools of the server's last tools/list through the gateway (this instance or another), or undefined when none was seen yet. */
export function knownTools(ctx: AppContext, server: FrontedMcpServer): ReadonlyMap<string, KnownTool> | undefined {
  return known.get(ctx)?.get(server.id)?.tools;
}
