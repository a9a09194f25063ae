import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256, symmetricKey } from '../../src/crypto/index.js';
import { refreshTokenKey } from '../../src/oauth/tokens/refresh-token-key.js';
import { successorKey, successorOf } from '../../src/oauth/tokens/successor.js';

describe('the pair a rotation derives', () => {
  const key = successorKey(symmetricKey(randomBytes(32)));
  const t = Date.UTC(2026, 10, 30, 12, 0, 0, 123);

  it('is the same every time for the same rotated token and time, and is a well-formed refresh token and jti', () => {
    const a = successorOf(key, 'rt0123456789abcdef0123456789abcdef', t);
    expect(successorOf(key, 'rt0123456789abcdef0123456789abcdef', t)).toEqual(a);
    expect(refreshTokenKey(a.refresh.token)).toEqual({ id: a.refresh.id, hash: a.refresh.hash });
    expect(a.refresh.hash).toBe(sha256(a.refresh.token));
    expect(a.refresh.token).toMatch(/^rt[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
    expect(a.jti).toMatch(/^at[0-9a-f]{32}$/);
  });

  it('differs for another token, another time or another key, and its ids grow with the time of the rotation', () => {
    const a = successorOf(key, 'rt-a', t);
    const others = [
      successorOf(key, 'rt-b', t),
      successorOf(key, 'rt-a', t + 1),
      successorOf(successorKey(symmetricKey(randomBytes(32))), 'rt-a', t),
    ];
    for (const o of others) {
      expect(o.refresh.token).not.toBe(a.refresh.token);
      expect(o.jti).not.toBe(a.jti);
    }
    expect(successorOf(key, 'rt-z', t + 1).refresh.id > successorOf(key, 'rt-a', t).refresh.id).toBe(true);
    expect(successorOf(key, 'rt-z', t + 1).jti > successorOf(key, 'rt-a', t).jti).toBe(true);
  });

  it('keeps its secret apart from its ids: the secret is not in the jti or the row id', () => {
    const a = successorOf(key, 'rt-a', t);
    const secret = a.refresh.token.split('.')[1];
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(a.jti).not.toContain(Buffer.from(secret, 'base64url').subarray(0, 10).toString('hex'));
  });
});
