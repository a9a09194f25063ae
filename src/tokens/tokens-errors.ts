import { defineErrorCodes } from '../errors/index.js';

/** The tokens' error codes (personal API tokens). */
export const tokensErrors = defineErrorCodes({
  ERR_TOKENS_PERSONAL_ONLY: { status: 403, message: 'Only the person may hand on rights: use your session or a personal API token.' },
  ERR_TOKENS_NOT_FOUND: { status: 404, message: 'No such live token on your account.' },
});
