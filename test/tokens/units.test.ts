import { describe, expect, it } from 'vitest';
import { generateApiToken, hasValidApiTokenChecksum } from '../../src/tokens/index.js';
import { VerifiedCache, type VerifiedEntry } from '../../src/tokens/verified-cache.js';
import { RevocationIndex } from '../../src/tokens/revocation-index.js';
import { startTestApp } from '../support/test-app.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('API token format', () => {
  it('is o3p_ + 43 random + 6 checksum base62 characters, different every time', () => {
    const a = generateApiToken();
    expect(a).toMatch(/^o3p_[0-9A-Za-z]{49}$/);
    expect(generateApiToken()).not.toBe(a);
    expect(hasValidApiTokenChecksum(a)).toBe(true);
  });

  it('detects every single-character change, a wrong prefix, and a wrong length', () => {
    const t = generateApiToken();
    for (let i = 4; i < t.length; i++) {
      const other = ALPHABET[(ALPHABET.indexOf(t[i]) + 1 + (i % 61)) % 62];
      expect(hasValidApiTokenChecksum(t.slice(0, i) + other + t.slice(i + 1)), `position ${i}`).toBe(false);
    }
    expect(hasValidApiTokenChecksum('o3x_' + t.slice(4))).toBe(false);
    expect(hasValidApiTokenChecksum(t + 'A')).toBe(false);
    expect(hasValidApiTokenChecksum(t.slice(0, -1))).toBe(false);
  });
});

describe('verified-token cache', () => {
  const entry = (expiresAtMs: number): VerifiedEntry => ({
    principal: { kind: 'access', tokenId: 't', userId: 'u', clientId: 'c', scopes: [], audience: [], chain: [], expiresAt: null },
    revocationIds: ['t'],
    expiresAtMs,
    checkedAt: -1,
  });

  it('stays within its bound, dropping the oldest entry', () => {
    const cache = new VerifiedCache(3);
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, entry(Infinity));
    expect(cache.size).toBe(3);
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.get('d', 0)).toBeDefined();
  });

  it('forgets an entry at its expiry', () => {
    const cache = new VerifiedCache(10);
    cache.set('x', entry(1000));
    expect(cache.get('x', 999)).toBeDefined();
    expect(cache.get('x', 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('caches nothing when its size is 0', () => {
    const cache = new VerifiedCache(0);
    cache.set('x', entry(Infinity));
    expect(cache.get('x', 0)).toBeUndefined();
  });
});

describe('revocations told by another worker', () => {
  /** Two indexes joined by an in-process bus: what one publishes, the other's subscribers get. */
  function pair() {
    const subscribers = new Map<string, Array<(d: unknown) => void>>();
    const errors: unknown[] = [];
    const bus = (self: string) => ({
      publish: (topic: string, data: unknown) => {
        for (const [who, fns] of subscribers) if (who !== `${self}:${topic}`) fns.forEach((fn) => fn(data));
      },
      subscribe: (topic: string, fn: (d: unknown) => void) => {
        subscribers.set(`${self}:${topic}`, [...(subscribers.get(`${self}:${topic}`) ?? []), fn]);
      },
    });
    return { bus, errors, subscribers };
  }

  it('are added at once; a malformed message is reported and changes nothing', async () => {
    const app = await startTestApp('sqlite');
    try {
      const { bus, errors, subscribers } = pair();
      const one = new RevocationIndex(app.ctx.db, { pollMs: 600_000, peers: bus('one'), onError: (e) => errors.push(e) });
      const two = new RevocationIndex(app.ctx.db, { pollMs: 600_000, peers: bus('two'), onError: (e) => errors.push(e) });
      await one.start();
      await two.start();
      await one.revoke(app.ctx.db, [{ id: 'told', expiresAt: Date.now() + 60_000 }]);
      expect(two.has('told')).toBe(true);
      const version = two.version;
      for (const fn of subscribers.get('two:revocations')!) {
        fn('not a list');
        fn([[42, null]]);
      }
      expect(errors).toHaveLength(2);
      expect(two.version).toBe(version);
      expect(two.size).toBe(1);
      one.stop();
      two.stop();
    } finally {
      await app.stop();
    }
  });
});
