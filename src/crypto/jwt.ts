import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';

/** JOSE header of the compact JWS we issue: always ES256 with a key id. */
export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [k: string]: unknown;
}

export type JwtPayload = Record<string, unknown> & { exp?: number; iat?: number; nbf?: number };

/** Why a compact JWS was refused; verifiers map it to their own error (invalid_token, a reason string…). */
export class JwtError extends Error {
  override name = 'JwtError';
  constructor(
    readonly reason: 'malformed' | 'alg' | 'kid' | 'signature' | 'typ' | 'expired' | 'not_yet_valid',
    message: string,
  ) {
    super(message);
  }
}

const b64uJson = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * Signs a compact JWS with ES256 through node:crypto KeyObjects (far faster than the WebCrypto path on Node 20).
 * Synchronously on purpose: crypto.sign's thread-pool form costs more CPU per signature than inline, the hand-off
 * costing more than the ECDSA (bench/README.md), and the token endpoint is bound by CPU, not by waiting.
 */
export function signJwt(header: JwtHeader, payload: JwtPayload, privateKey: KeyObject): string {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  const sig = cryptoSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

/** Splits a compact JWS and parses its header; no signature check. Throws JwtError('malformed'). */
export function decodeJwt(token: string): { header: JwtHeader; payloadB64: string; signingInput: string; signature: string } {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 1 || second < 0 || token.indexOf('.', second + 1) !== -1) throw new JwtError('malformed', 'not a compact JWS');
  let header: JwtHeader;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('malformed', 'the JOSE header is not JSON');
  }
  if (!header || typeof header !== 'object') throw new JwtError('malformed', 'the JOSE header is not an object');
  return { header, payloadB64: token.slice(first + 1, second), signingInput: token.slice(0, second), signature: token.slice(second + 1) };
}

export interface VerifyJwtOptions {
  /** Finds the public key for a kid; undefined means unknown kid. */
  key: (kid: string) => KeyObject | undefined;
  /** Required `typ` header (e.g. `at+jwt`, RFC 9068 §2.1). */
  typ?: string;
  /** Seconds since epoch; default now. */
  now?: number;
  /** Allowed clock skew in seconds. */
  clockTolerance?: number;
}

/**
 * Verifies an ES256 compact JWS: alg must be exactly ES256 (no `none`, no HS256 confusion), kid must be known,
 * the signature must verify, then typ, exp and nbf are checked. Returns the header and payload.
 */
export function verifyJwt(token: string, o: VerifyJwtOptions): { header: JwtHeader; payload: JwtPayload } {
  const { header, payloadB64, signingInput, signature } = decodeJwt(token);
  if (header.alg !== 'ES256') throw new JwtError('alg', `alg ${String(header.alg)} is not accepted`);
  if (typeof header.kid !== 'string') throw new JwtError('kid', 'no kid');
  const key = o.key(header.kid);
  if (!key) throw new JwtError('kid', 'unknown kid');
  const sig = Buffer.from(signature, 'base64url');
  if (sig.length !== 64 || !cryptoVerify('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' }, sig)) {
    throw new JwtError('signature', 'bad signature');
  }
  if (o.typ !== undefined && header.typ !== o.typ) throw new JwtError('typ', `typ must be ${o.typ}`);
  let payload: JwtPayload;
  try {
    payload = JSON.parse(Buffer.from(payloadB64, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('malformed', 'the payload is not JSON');
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new JwtError('malformed', 'the payload is not an object');
  const now = o.now ?? Math.floor(Date.now() / 1000);
  const skew = o.clockTolerance ?? 0;
  if (typeof payload.exp !== 'number' || payload.exp + skew <= now) throw new JwtError('expired', 'expired');
  if (typeof payload.nbf === 'number' && payload.nbf - skew > now) throw new JwtError('not_yet_valid', 'not yet valid');
  return { header, payload };
}
