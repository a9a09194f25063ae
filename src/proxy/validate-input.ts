import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { AppError } from '../errors/index.js';
import type { JsonSchema } from './plugin.js';
import { proxyErrors } from './proxy-errors.js';

/** The largest input an action accepts, as JSON (bytes): bodies the proxy handles are small documents. */
export const MAX_INPUT_BYTES = 64 * 1024;

/** Checks an input against an action's schema: returns it, or throws 400 ERR_PROXY_INVALID_INPUT naming the field. */
export type InputValidator = (input: unknown) => unknown;

/**
 * Compiles an action's input schema once, at start (Ajv, JSON Schema draft 2020-12, strict: a schema with an unknown
 * keyword or a mistake stops the start, naming `where`; `strict: false` for a schema the gateway did not write, a
 * fronted MCP server's tool, whose unknown keywords are ignored). The schema must describe an object; what it says of
 * `additionalProperties` holds as written. The validator refuses an input larger than MAX_INPUT_BYTES and names the
 * first field that does not match, in words, never echoing a value.
 */
export function compileInput(schema: JsonSchema, where: string, o: { strict?: boolean } = {}): InputValidator {
  if (typeof schema !== 'object' || schema === null || schema.type !== 'object')
    throw new Error(`${where}: the input schema must be an object schema ({ "type": "object", … })`);
  // One Ajv per schema: compiled schemas (and their $ids) belong to this action, never shared across apps.
  const ajv = new Ajv2020({
    strict: o.strict ?? true,
    allowUnionTypes: true,
    allErrors: false,
    validateFormats: false,
    coerceTypes: false,
    useDefaults: true,
  });
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (e) {
    throw new Error(`${where}: the input schema does not compile (${(e as Error).message})`);
  }
  return (input: unknown) => {
    let size: number;
    try {
      size = input === undefined ? 0 : Buffer.byteLength(JSON.stringify(input) ?? '');
    } catch {
      // JSON.stringify recurses: an input of arrays nested some thousands deep (a small body) overflows the stack.
      throw new AppError(proxyErrors.ERR_PROXY_INVALID_INPUT, 'The input is nested too deeply.');
    }
    if (size > MAX_INPUT_BYTES)
      throw new AppError(proxyErrors.ERR_PROXY_INVALID_INPUT, `The input is larger than ${MAX_INPUT_BYTES} bytes.`);
    const value = input === undefined || input === null ? {} : input;
    if (validate(value)) return value;
    const err = validate.errors?.[0];
    const { field, reason } = describe(err);
    throw new AppError(proxyErrors.ERR_PROXY_INVALID_INPUT, `The input is invalid: ${field} ${reason}.`, { field, reason });
  };
}

/** Whether a property name may be shown: printable ASCII, short (it came from the caller). */
const printable = (name: unknown) => /^[\x20-\x7e]{1,64}$/.test(String(name));

/** A property name as it may be shown, quoted. */
function shown(name: unknown): string {
  return printable(name) ? JSON.stringify(String(name)) : 'a property with a long or unprintable name';
}

/** The field (a JSON pointer as words: `input.text`, `input.items[2]`) and what is wrong, from Ajv's first error. */
function describe(e: ErrorObject | undefined): { field: string; reason: string } {
  if (!e) return { field: 'input', reason: 'does not match the schema' };
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let field = 'input';
  for (const s of segments) field += /^\d+$/.test(s) ? `[${s}]` : /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(s) ? `.${s}` : `[${shown(s)}]`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { field, reason: `is missing the property ${shown(p.missingProperty)}` };
    case 'additionalProperties':
      return printable(p.additionalProperty)
        ? { field, reason: `has the property ${shown(p.additionalProperty)}, which the schema does not allow` }
        : { field, reason: 'has a property the schema does not allow (its name is long or unprintable)' };
    case 'type':
      return { field, reason: `must be ${String(p.type).replace(/,/g, ' or ')}` };
    case 'enum':
      return { field, reason: 'must be one of the allowed values' };
    default:
      // Ajv's messages name the rule (a limit, a pattern), never the value given (verbose is off).
      return { field, reason: e.message ?? 'does not match the schema' };
  }
}
