import { defineErrorCodes } from '../errors/index.js';

/** The agents' error codes (registration and delegation). */
export const agentsErrors = defineErrorCodes({
  ERR_AGENTS_NOT_FOUND: { status: 404, message: 'No such agent.' },
  ERR_AGENTS_SCOPE_NOT_REGISTERED: { status: 403, message: 'The agent was not registered for a scope named here.' },
  ERR_AGENTS_OWN_RIGHTS_ONLY: { status: 403, message: 'You can only delegate your own rights.' },
  ERR_AGENTS_NOT_AVAILABLE: { status: 403, message: 'This agent is run by someone else, who has not made it available for delegation.' },
});
