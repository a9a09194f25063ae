import { AppError } from '../../errors/index.js';
import { policyErrors } from './policy-errors.js';
import type { ActionPolicy, GrantPolicy, PolicyConstraint, PolicyRate } from './policy-types.js';

const PERIODS = ['minute', 'hour', 'day'] as const;
/** An action (`{plugin}.{action}`; a fronted MCP tool: `mcp-{server}.{tool}`, whose name may have capitals) or a scope. */
const KEY = /^[a-z][A-Za-z0-9_.:-]{0,191}$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_VALUES = 100;
const MAX_ACTIONS = 100;

const invalid = (what: string): never => {
  throw new AppError(policyErrors.ERR_PROXY_POLICY_INVALID, `The policy is not valid: ${what}.`);
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyKeys = (o: Record<string, unknown>, keys: string[], where: string) => {
  for (const k of Object.keys(o)) if (!keys.includes(k)) invalid(`${where} has an unknown field "${k.slice(0, 40)}"`);
};

function parseRate(v: unknown, where: string): PolicyRate {
  if (!isObject(v)) return invalid(`${where}.rate must be an object { count, per }`);
  onlyKeys(v, ['count', 'per'], `${where}.rate`);
  if (!Number.isInteger(v.count) || (v.count as number) < 1 || (v.count as number) > 1_000_000)
    invalid(`${where}.rate.count must be a whole number from 1 to 1000000`);
  if (!PERIODS.includes(v.per as (typeof PERIODS)[number])) invalid(`${where}.rate.per must be minute, hour or day`);
  return { count: v.count as number, per: v.per as PolicyRate['per'] };
}

function stringList(v: unknown, where: string, max = MAX_VALUES): string[] {
  if (!Array.isArray(v) || v.length > max || v.some((x) => typeof x !== 'string' || x.length > 200))
    return invalid(`${where} must be a list of at most ${max} strings`);
  return [...new Set(v as string[])];
}

function parseConstraint(v: unknown, where: string): PolicyConstraint {
  if (!isObject(v)) return invalid(`${where} must be an object with a kind`);
  const field = () => (typeof v.field === 'string' && FIELD.test(v.field) ? v.field : invalid(`${where}.field must name an input field`));
  switch (v.kind) {
    case 'allow':
      onlyKeys(v, ['kind', 'field', 'values'], where);
      return { kind: 'allow', field: field(), values: stringList(v.values, `${where}.values`) };
    case 'path': {
      onlyKeys(v, ['kind', 'prefix', 'methods'], where);
      if (typeof v.prefix !== 'string' || !v.prefix.startsWith('/') || v.prefix.length > 500)
        invalid(`${where}.prefix must be a path starting with /`);
      const methods = v.methods === undefined ? undefined : stringList(v.methods, `${where}.methods`, 10).map((m) => m.toUpperCase());
      return { kind: 'path', prefix: v.prefix as string, ...(methods ? { methods } : {}) };
    }
    case 'max_length':
      onlyKeys(v, ['kind', 'field', 'max'], where);
      if (!Number.isInteger(v.max) || (v.max as number) < 0 || (v.max as number) > 1_000_000)
        invalid(`${where}.max must be a whole number from 0 to 1000000`);
      return { kind: 'max_length', field: field(), max: v.max as number };
    default:
      return invalid(`${where}.kind must be allow, path or max_length`);
  }
}

/** One action's policy, checked (throws 400 ERR_PROXY_POLICY_INVALID naming what is wrong). */
export function parseActionPolicy(v: unknown, where = 'policy'): ActionPolicy {
  if (!isObject(v)) return invalid(`${where} must be an object`);
  onlyKeys(v, ['rate', 'constraints', 'ask'], where);
  const out: ActionPolicy = {};
  if (v.rate !== undefined) out.rate = parseRate(v.rate, where);
  if (v.constraints !== undefined) {
    if (!Array.isArray(v.constraints) || v.constraints.length > 20) invalid(`${where}.constraints must be a list of at most 20`);
    out.constraints = (v.constraints as unknown[]).map((c, i) => parseConstraint(c, `${where}.constraints[${i}]`));
  }
  if (v.ask !== undefined) {
    if (typeof v.ask !== 'boolean') invalid(`${where}.ask must be true or false`);
    out.ask = v.ask as boolean;
  }
  return out;
}

/**
 * A grant's policy, checked: `{ actions: { "<plugin>.<action>" | "<scope>": { rate?, constraints?, ask? } } }`.
 * Throws 400 ERR_PROXY_POLICY_INVALID naming what is wrong; the enforcement reads stored policies through this too
 * (an unreadable one refuses the call).
 */
export function parseGrantPolicy(v: unknown): GrantPolicy {
  if (!isObject(v)) return invalid('it must be an object { actions: { … } }');
  onlyKeys(v, ['actions'], 'policy');
  if (!isObject(v.actions)) return invalid('policy.actions must be an object keyed by action or scope');
  const entries = Object.entries(v.actions);
  if (entries.length > MAX_ACTIONS) invalid(`policy.actions may name at most ${MAX_ACTIONS} actions`);
  const actions: Record<string, ActionPolicy> = {};
  for (const [k, p] of entries) {
    if (!KEY.test(k)) invalid(`policy.actions has a key that is not an action or scope name`);
    actions[k] = parseActionPolicy(p, `policy.actions["${k}"]`);
  }
  return { actions };
}
