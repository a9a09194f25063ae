import { defineErrorCodes } from '../errors/index.js';

/** The attestation endpoint's error codes. */
export const attestationErrors = defineErrorCodes({
  ERR_ATTESTATION_BAD_NONCE: { status: 400, message: 'nonce: must be hex (an even number of 0-9a-f), 1 to 64 bytes.' },
  ERR_ATTESTATION_UNAVAILABLE: { status: 503, message: 'The TEE did not answer a quote; try again later.' },
});
