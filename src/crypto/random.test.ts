import { describe, expect, it } from 'vitest';
import { randomId } from './random.js';

describe('randomId', () => {
  it('sorts in creation order, also within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => randomId('ev'));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^ev[0-9a-f]{32}$/);
  });
});
