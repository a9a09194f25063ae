import type { ActionPolicy, GrantPolicy, PolicyConstraint, PolicyRate } from './policy-types.js';

/** "at most 5 a day" */
export function describeRate(r: PolicyRate): string {
  return `at most ${r.count} ${r.per === 'hour' ? 'an' : 'a'} ${r.per}`;
}

/** A constraint in words ("chat_id only 123 or 456"). */
export function describeConstraint(c: PolicyConstraint): string {
  switch (c.kind) {
    case 'allow':
      return `${c.field} only ${c.values.join(' or ') || '(nothing)'}`;
    case 'path':
      return `paths under ${c.prefix}${c.methods ? ` with ${c.methods.join(' or ')}` : ''}`;
    case 'max_length':
      return `${c.field} at most ${c.max} characters`;
  }
}

/** One action's policy in words ("at most 5 a day; chat_id only 123; ask each time"). */
export function describeActionPolicy(p: ActionPolicy): string {
  const parts = [
    ...(p.rate ? [describeRate(p.rate)] : []),
    ...(p.constraints ?? []).map(describeConstraint),
    ...(p.ask ? ['ask each time'] : []),
  ];
  return parts.join('; ') || 'no limits';
}

/** A grant's policy in words, one line per action or scope; empty for none. */
export function describeGrantPolicy(p: GrantPolicy | null): string[] {
  return p ? Object.entries(p.actions).map(([k, a]) => `${k}: ${describeActionPolicy(a)}`) : [];
}
