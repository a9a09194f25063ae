import { defineErrorCodes } from '../errors/index.js';

/** The scopes' error codes: what a caller asks to hand on. */
export const scopesErrors = defineErrorCodes({
  ERR_SCOPES_UNKNOWN: { status: 400, message: 'A scope named here is not one this gateway knows.' },
  ERR_SCOPES_NOT_GRANTABLE: { status: 403, message: 'You cannot grant a scope named here: it is not yours to give.' },
});
