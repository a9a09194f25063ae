import { errorCodes, type ErrorCode } from './error-codes.js';

/**
 * An error with a stable code from the registry. `message` may add detail for the client (never a secret);
 * `details` is a small JSON object (e.g. which field is wrong).
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message ?? errorCodes[code].message);
    this.status = errorCodes[code].status;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}
