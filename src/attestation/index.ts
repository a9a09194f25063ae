/**
 * Attestation: TEE detection, key derivation, the attestation statement and its verifier. Outside a TEE the
 * gateway says so; inside one (Intel TDX through dstack) it proves which code holds people's credentials.
 */
export {
  canonicalStatement,
  reportDataOf,
  jwksThumbprints,
  type AttestationStatement,
  type AttestationDocument,
  type TeeEvent,
} from './attestation-statement.js';
export { buildDigest, digestOfTree } from './build-digest.js';
