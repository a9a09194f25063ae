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
export { verifyQuote, collateralFor, QuoteRefused, type TeeReport, type Collateral } from './verify-quote.js';
export { replayRtmrs, runtimeEventDigest, RUNTIME_EVENT_TYPE } from './event-log.js';
export { checkBinding, type AttestationCheck, type BindingExpectations } from './check-binding.js';
export { attestGateway, type AttestOptions, type AttestResult } from './attest-gateway.js';
export { attestationModule } from './attestation-module.js';
export { attestationErrors } from './attestation-errors.js';
export { openTee, setTee, teeOf, type TeeState } from './tee-of.js';
export { attestationDocument, attestationStatement } from './attestation-document.js';
export {
  DstackAgent,
  TeeError,
  DEFAULT_DSTACK_SOCKET,
  MASTER_KEY_PATH,
  MASTER_KEY_PURPOSE,
  type TeeIdentity,
  type TeeQuote,
} from './dstack-agent.js';
