import type { PluginHost } from './plugin-host.js';
import { frontedInputSchemas } from './plugins/mcp/index.js';

/** One action's input fields by name, with their declared types (undefined: not declared). */
export type InputFields = Map<string, string[] | undefined>;

/** An input schema's top-level fields; undefined when it lists none (any field may come). */
function fieldsOf(schema: unknown): InputFields | undefined {
  const properties = (schema as { properties?: unknown } | null)?.properties;
  if (typeof properties !== 'object' || properties === null || !Object.keys(properties).length) return undefined;
  const fields: InputFields = new Map();
  for (const [name, s] of Object.entries(properties as Record<string, { type?: unknown } | null>)) {
    const type = s?.type;
    fields.set(name, typeof type === 'string' ? [type] : Array.isArray(type) ? type.map(String) : undefined);
  }
  return fields;
}

/**
 * The input fields of each action a policy key binds (an action's `{plugin}.{action}`; a scope: each action of it;
 * a fronted MCP tool as its server last listed it): what a constraint may name, and what a grant form suggests.
 * Undefined when they are not known: no action of the key is known (a fronted tool not listed yet), or one of
 * them lists no fields (any field may come).
 */
export function policyInputFields(host: PluginHost, key: string): InputFields[] | undefined {
  const schemas = [
    ...host
      .actions()
      .filter((h) => h.qualifiedName === key || h.action.scope === key)
      .map((h) => h.action.input),
    ...frontedInputSchemas(host.ctx, key),
  ];
  const each = schemas.map(fieldsOf);
  return each.length && each.every((f) => f !== undefined) ? (each as InputFields[]) : undefined;
}
