import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyJwt } from './jwt.js';
import { SignatureQueue } from './signature-queue.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const header = { alg: 'ES256', kid: 'k1', typ: 'at+jwt' };
const verify = (jwt: string) => verifyJwt(jwt, { key: (kid) => (kid === 'k1' ? publicKey : undefined), typ: 'at+jwt' });
const nextTurn = () => new Promise((ok) => setImmediate(ok));

describe('the signature queue', () => {
  it('signs everything asked for in one turn of the event loop on the next turn, each JWT valid for its own payload', async () => {
    const queue = new SignatureQueue();
    const now = Math.floor(Date.now() / 1000);
    const jwts = [1, 2, 3].map((n) => queue.add(header, { sub: `u${n}`, iat: now, exp: now + 60 }, privateKey));
    await nextTurn();
    expect(jwts.map((j) => verify(j.take()).payload.sub)).toEqual(['u1', 'u2', 'u3']);
    expect(new Set(jwts.map((j) => j.take())).size).toBe(3);
    expect(jwts[0].take()).toBe(jwts[0].take()); // signed once: the same JWT every time
  });

  it('signs at once, with the rest of the queue, when a value is read before the next turn', () => {
    const queue = new SignatureQueue();
    const now = Math.floor(Date.now() / 1000);
    const [a, b] = ['a', 'b'].map((sub) => queue.add(header, { sub, iat: now, exp: now + 60 }, privateKey));
    expect(verify(a.take()).payload.sub).toBe('a'); // read synchronously: no turn has passed
    expect(verify(b.take()).payload.sub).toBe('b');
  });

  it('hands a signing failure to whoever reads that JWT, not to the event loop, and signs the others', async () => {
    const queue = new SignatureQueue();
    const now = Math.floor(Date.now() / 1000);
    const broken = queue.add(header, { sub: 'x', iat: now, exp: now + 60 }, publicKey); // a public key cannot sign
    const fine = queue.add(header, { sub: 'y', iat: now, exp: now + 60 }, privateKey);
    await nextTurn();
    expect(() => broken.take()).toThrow();
    expect(verify(fine.take()).payload.sub).toBe('y');
  });
});
