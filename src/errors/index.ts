export { AppError } from './app-error.js';
export { errorCodes, type ErrorCode } from './error-codes.js';
export * from './oauth-error.js';
