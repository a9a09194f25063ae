import type { ErrorCode } from './error-code.js';

/**
 * An error with a stable code (see defineErrorCodes). `message` may add detail for the client (never a secret);
 * `details` is a small JSON object (e.g. which field is wrong).
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  readonly code: string;
  /** Seconds after which a retry may succeed: sent as `Retry-After` (a 429 of a rate limit). */
  retryAfter?: number;
  constructor(
    code: ErrorCode,
    message?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message ?? code.message);
    this.code = code.code;
    this.status = code.status;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}
