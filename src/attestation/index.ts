/**
 * Attestation, the gateway's side: TEE detection, key derivation, the attestation endpoint, the build digest. Outside a TEE the
 * gateway says so; inside one (Intel TDX through dstack) it proves which code holds people's credentials.
 */
// The statement and the verifier live in the client library (src/client/attestation/), which programs embed without
// loading the gateway; the gateway builds statements with the same functions.
export {
  canonicalStatement,
  reportDataOf,
  jwksThumbprints,
  verifyQuote,
  collateralFor,
  QuoteRefused,
  replayRtmrs,
  runtimeEventDigest,
  RUNTIME_EVENT_TYPE,
  checkBinding,
  attestGateway,
  type AttestationStatement,
  type AttestationDocument,
  type TeeEvent,
  type TeeReport,
  type Collateral,
  type AttestationCheck,
  type BindingExpectations,
  type AttestOptions,
  type AttestResult,
} from '../client/index.js';
export { buildDigest, digestOfTree } from '../kernel/index.js';
export { attestationModule } from './attestation-module.js';
export { attestationErrors } from './attestation-errors.js';
export { openTee, setTee, teeOf, type TeeState } from './tee-of.js';
export { teeWrongKeyError } from './tee-wrong-key-error.js';
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
