export { AppError } from './app-error.js';
export { defineErrorCodes, type ErrorCode } from './error-code.js';
export { httpErrors } from './http-error-codes.js';
export * from './oauth-error.js';
