import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/index.js';
import { compileInput, MAX_INPUT_BYTES } from '../../src/proxy/validate-input.js';

const schema = {
  type: 'object',
  properties: {
    to: { type: ['string', 'null'] },
    items: { type: 'array', items: { type: 'object', properties: { n: { type: 'integer', maximum: 9 } }, required: ['n'] }, maxItems: 3 },
    mode: { enum: ['a', 'b'] },
    code: { type: 'string', pattern: '^[a-z]+$' },
    count: { type: 'integer', default: 1 },
  },
  additionalProperties: false,
};

const validate = compileInput(schema, 'plugin t, action a');

/** The error the validator throws for `input` (it must throw). */
function refusal(input: unknown): AppError {
  try {
    validate(input);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('ERR_PROXY_INVALID_INPUT');
    return e as AppError;
  }
  throw new Error('the input was accepted');
}

describe('an action input validator', () => {
  it('accepts what the schema allows, filling defaults (no input at all is an empty object)', () => {
    expect(validate({ to: null, items: [{ n: 3 }] })).toEqual({ to: null, items: [{ n: 3 }], count: 1 });
    expect(validate(undefined)).toEqual({ count: 1 });
  });

  it('names the field by its path in words, and the rule, never the value', () => {
    expect(refusal({ items: [{ n: 1 }, { n: 'SECRET-1' }] }).message).toBe('The input is invalid: input.items[1].n must be integer.');
    expect(refusal({ items: [{ n: 10 }] }).details).toEqual({ field: 'input.items[0].n', reason: 'must be <= 9' });
    expect(refusal({ items: [{}] }).message).toBe('The input is invalid: input.items[0] is missing the property "n".');
    expect(refusal({ mode: 'SECRET-2' }).message).toBe('The input is invalid: input.mode must be one of the allowed values.');
    expect(refusal({ code: 'SECRET-3' }).message).toBe('The input is invalid: input.code must match pattern "^[a-z]+$".');
    expect(refusal({ to: 5 }).message).toBe('The input is invalid: input.to must be string or null.');
    expect(refusal([1, 2]).message).toBe('The input is invalid: input must be object.');
    expect(refusal({ 'we\nird': 1 }).message).toBe(
      'The input is invalid: input has a property the schema does not allow (its name is long or unprintable).',
    );
    for (const input of [{ items: [{ n: 'SECRET-1' }] }, { mode: 'SECRET-2' }, { code: 'SECRET-3' }])
      expect(JSON.stringify(refusal(input).toJSON())).not.toContain('SECRET');
  });

  it(`refuses an input over ${MAX_INPUT_BYTES} bytes before looking at it`, () => {
    expect(refusal({ code: 'a'.repeat(MAX_INPUT_BYTES) }).message).toBe(`The input is larger than ${MAX_INPUT_BYTES} bytes.`);
  });

  it('refuses an input nested too deeply to measure (a 40 KB body of arrays in arrays), as bad input, not a crash', () => {
    const deep = JSON.parse('['.repeat(20_000) + ']'.repeat(20_000));
    expect(refusal(deep).message).toBe('The input is nested too deeply.');
  });

  it('stops the start for a schema that is not an object schema or does not compile (strict: an unknown keyword)', () => {
    expect(() => compileInput({ type: 'string' }, 'plugin t, action a')).toThrow(
      'plugin t, action a: the input schema must be an object schema',
    );
    expect(() => compileInput({ type: 'object', properties: { a: { type: 'string', maxLenght: 3 } } }, 'plugin t, action a')).toThrow(
      /^plugin t, action a: the input schema does not compile \(strict mode: unknown keyword: "maxLenght"\)$/,
    );
  });
});
