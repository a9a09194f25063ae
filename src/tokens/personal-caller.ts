import { AppError } from '../errors/index.js';
import type { Principal } from '../kernel/index.js';
import { tokensErrors } from './tokens-errors.js';

/**
 * The person behind a request that hands rights on. Only the person themselves may do that: with their session
 * or a personal API token. An OAuth or delegated access token may not (an agent could otherwise mint itself a
 * longer-lived API token or delegation that escapes the revocation of the chain it came from).
 */
export function personalCaller(principal: Principal, what: string): string {
  if (!principal.userId || (principal.kind !== 'session' && principal.kind !== 'api_token')) {
    throw new AppError(
      tokensErrors.ERR_TOKENS_PERSONAL_ONLY,
      `to ${what}, use your session or a personal API token (not an OAuth or delegated token)`,
    );
  }
  return principal.userId;
}
