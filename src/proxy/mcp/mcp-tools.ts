import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { HostedAction } from '../hosted-action.js';

/** An action's MCP tool name: `{plugin}_{action}` with the action's dots as underscores (tool names are `[A-Za-z0-9_-]`). */
export function mcpToolName(pluginId: string, actionName: string): string {
  return `${pluginId}_${actionName.replace(/\./g, '_')}`;
}

/** The MCP tool name of a hosted action (see mcpToolName). */
export function toolName(hosted: HostedAction): string {
  return mcpToolName(hosted.plugin.plugin.id, hosted.action.name);
}

/** The action a tool name names, among `actions` (the first, should two actions map to one name). */
export function findTool(actions: readonly HostedAction[], name: string): HostedAction | undefined {
  return actions.find((h) => toolName(h) === name);
}

/** An action as an MCP tool: its name, title, description, input schema (the action's) and read-only hint. */
export function toTool(hosted: HostedAction): Tool {
  const { action } = hosted;
  return {
    name: toolName(hosted),
    title: action.title,
    description: action.description,
    inputSchema: action.input as Tool['inputSchema'],
    ...(action.output && action.output.type === 'object' ? { outputSchema: action.output as Tool['outputSchema'] } : {}),
    annotations: { title: action.title, readOnlyHint: action.readOnly === true },
  };
}
