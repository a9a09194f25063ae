/**
 * Accounts: users, passkeys, sessions, profile. Other domains use `requireUser` / `requireCsrf` as preHandlers,
 * `request.principal` and `request.csrfToken` (typed by ./request-context.ts), and the user queries.
 */
export { accountsModule } from './accounts-module.js';
export { requireUser, requireApiUser, safeReturnTo, type RequireUserOptions } from './require-user.js';
export { requireCsrf, csrfTokenFor } from './csrf.js';
export { formReturnTo } from './form-return-to.js';
export { SESSION_COOKIE, cookieName, setSessionCookie, clearSessionCookie } from './session-cookie.js';
export { createUser, getUser, getUserByEmail, type User } from './users.js';
export { accountName, type AccountName } from './account-name.js';
export { GrantingAccount } from './granting-account.js';
export { listUsers, type UserSummary } from './list-users.js';
export { inviteToSignUp } from './invite-to-sign-up.js';
export { listPasskeys, type Passkey } from './passkeys.js';
export { createSession, listSessions, revokeSessions, type SessionInfo, type IssuedSession } from './sessions.js';
export { requestMeta } from './request-meta.js';
export { accountsErrors } from './accounts-errors.js';
export { boundAssertionOptions, verifyBoundAssertion } from './bound-assertion.js';
export type { AccountSession } from './request-context.js';
export type { UsersTable, SessionsTable, PasskeysTable } from './tables.js';
