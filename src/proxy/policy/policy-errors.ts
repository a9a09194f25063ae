import { defineErrorCodes } from '../../errors/index.js';

/** The policy's refusals: each message names the limit or the constraint. */
export const policyErrors = defineErrorCodes({
  ERR_PROXY_POLICY: { status: 403, message: "The call breaks a constraint of the grant's policy." },
  ERR_PROXY_RATE_LIMITED: { status: 429, message: "The grant's rate limit for this action is reached: retry later." },
  ERR_PROXY_POLICY_INVALID: { status: 400, message: 'The policy is not valid.' },
});
