import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

/**
 * What a gateway in a TEE attests: the hash of this statement is the quote's report data, so a verifier that
 * checked the quote knows which issuer, which signing keys, which vault keys and which build the hardware vouches
 * for, fresh for its nonce. Every list is sorted, so the same state gives the same statement.
 */
export interface AttestationStatement {
  /** The format of this statement. */
  version: 1;
  /** The OAuth issuer (the public URL) of the gateway. */
  issuer: string;
  /** RFC 7638 SHA-256 thumbprints (base64url) of every key the JWKS serves, sorted. */
  jwks_thumbprints: string[];
  /** The vault's data-key ids (not retired), sorted. */
  vault_key_ids: string[];
  /** The digest of the running build (`sha256:<hex>` of dist/, see kernel/build-digest.ts), or null when not run from a build. */
  build_digest: string | null;
  /** How the master key was had: derived in the TEE, or configured by the operator (allowed explicitly). */
  master_key: 'tee' | 'configured';
  /** The verifier's nonce (lowercase hex), or '' when none was sent. */
  nonce: string;
  /** When the statement was made, seconds since the epoch. */
  time: number;
}

/** The statement as the bytes that are hashed: JSON with keys in sorted order at every level, no spaces. */
export function canonicalStatement(s: AttestationStatement): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sorted(s));
}

/** The quote's 64 bytes of report data for a statement: SHA-512 of its canonical form. */
export function reportDataOf(s: AttestationStatement): Buffer {
  return createHash('sha512').update(canonicalStatement(s)).digest();
}

/** The sorted RFC 7638 SHA-256 thumbprints of a JWKS's keys: what the statement attests and what a verifier compares. */
export async function jwksThumbprints(jwks: { keys: JWK[] }): Promise<string[]> {
  return (await Promise.all(jwks.keys.map((k) => calculateJwkThumbprint(k, 'sha256')))).sort();
}

/** One event of the dstack event log (as the guest agent's GetQuote returns it). */
export interface TeeEvent {
  /** Which RTMR it extends (0–3). */
  imr: number;
  event_type: number;
  /** SHA-384 digest extended into the register (hex). */
  digest: string;
  /** The event's name (e.g. `compose-hash`, `app-id`), '' for firmware events. */
  event: string;
  /** Its payload (hex). */
  event_payload: string;
}

/**
 * `GET /.well-known/oauth3-attestation[?nonce=HEX]`: inside a TEE, a fresh quote over the statement with what a
 * verifier needs to check it; outside one, why not.
 */
export type AttestationDocument =
  | {
      tee: true;
      platform: 'tdx';
      statement: AttestationStatement;
      /** reportDataOf(statement), hex: what the quote's report data must be. */
      report_data: string;
      /** The TDX quote, hex. */
      quote: string;
      event_log: TeeEvent[];
      /** The app's compose hash (hex): also in the event log, measured into RTMR3. */
      compose_hash: string;
      app_id: string;
      instance_id: string;
    }
  | { tee: false; reason: string };
