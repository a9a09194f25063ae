import { defineErrorCodes } from '../../errors/index.js';

/** The approval flow's codes: 202 while the person has not decided; 403 naming why an approval cannot be used. */
export const approvalErrors = defineErrorCodes({
  ERR_PROXY_APPROVAL_REQUIRED: {
    status: 202,
    message:
      'The person asked to approve this action each time: nothing ran. They approve it at approve_url; repeat the call with the Approval-Id header.',
  },
  ERR_PROXY_APPROVAL_PENDING: { status: 403, message: 'The person has not approved this call yet: wait on status_url, then repeat it.' },
  ERR_PROXY_APPROVAL_DENIED: { status: 403, message: 'The person denied this call.' },
  ERR_PROXY_APPROVAL_USED: { status: 403, message: 'This approval was already used: an approval runs one call once.' },
  ERR_PROXY_APPROVAL_EXPIRED: { status: 403, message: 'This approval expired: call again for a new one.' },
  ERR_PROXY_APPROVAL_MISMATCH: {
    status: 403,
    message: 'This approval is for another call (another caller, action or arguments): call again for a new one.',
  },
  ERR_PROXY_APPROVAL_PASSKEY: {
    status: 403,
    message: 'The passkey assertion does not approve this call: it must be made for this approval, with one of your passkeys.',
  },
  ERR_PROXY_APPROVAL_TOO_MANY: {
    status: 429,
    message:
      "Too many calls of this grant are waiting for the person's approval: nothing was asked. Retry once they decided some, or some expired (Retry-After).",
  },
  ERR_PROXY_APPROVAL_DECIDED: { status: 409, message: 'This approval was already decided.' },
  ERR_PROXY_APPROVAL_UNKNOWN: { status: 404, message: 'No such approval.' },
});
