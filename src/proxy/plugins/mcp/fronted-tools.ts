import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AppContext } from '../../../kernel/index.js';
import { AppError } from '../../../errors/index.js';
import { proxyErrors } from '../../proxy-errors.js';
import { compileInput, MAX_INPUT_BYTES, type InputValidator } from '../../validate-input.js';
import type { FrontedMcpServer } from './mcp-servers-options.js';

/** A fronted server's tool as the gateway last saw it in the server's tools/list, with its input's validator. */
export interface KnownTool {
  tool: Tool;
  /** Validates a call's arguments against the tool's inputSchema (a schema that does not compile: only "an object"). */
  validate: InputValidator;
}

const known = new WeakMap<AppContext, Map<string, Map<string, KnownTool>>>();

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

/**
 * Remembers the tools a fronted server listed (every tools/list through the gateway replaces them), in this
 * process: the call path validates arguments against them and the grant forms offer limits per tool.
 */
export function rememberTools(ctx: AppContext, server: FrontedMcpServer, tools: readonly Tool[]): void {
  let servers = known.get(ctx);
  if (!servers) known.set(ctx, (servers = new Map()));
  const previous = servers.get(server.id);
  const next = new Map<string, KnownTool>();
  for (const tool of tools) {
    const before = previous?.get(tool.name);
    const same = before && JSON.stringify(before.tool.inputSchema) === JSON.stringify(tool.inputSchema);
    next.set(tool.name, { tool, validate: same ? before.validate : validatorOf(server, tool) });
  }
  servers.set(server.id, next);
}

/** The tools of the server's last tools/list through this gateway process, or undefined when none was seen yet. */
export function knownTools(ctx: AppContext, server: FrontedMcpServer): ReadonlyMap<string, KnownTool> | undefined {
  return known.get(ctx)?.get(server.id);
}
