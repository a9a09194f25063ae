import { AppError, httpErrors } from '../errors/index.js';

const DAY = 86_400_000;

/**
 * The token form's expiry as days for ApiTokenService: a number of days as sent, `never`, or `date` with an
 * `expires_on` day (YYYY-MM-DD, the token lasting to the end of that day, UTC).
 */
export function expiryDays(choice: unknown, on: unknown, now = Date.now()): unknown {
  if (choice !== 'date') return choice;
  const at = typeof on === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(on) ? Date.parse(`${on}T23:59:59Z`) : NaN;
  if (Number.isNaN(at) || at <= now) throw new AppError(httpErrors.ERR_VALIDATION, 'choose an expiry date after today');
  return Math.ceil((at - now) / DAY);
}
