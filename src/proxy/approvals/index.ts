/**
 * Passkey approval of one action call (issue 16, "ask me each time"): a pending approval per asked call, approved
 * by the person with a WebAuthn assertion bound to it, used once by the same caller with the same arguments.
 */
export { approvalErrors } from './approval-errors.js';
export { approvalEvents } from './approval-events.js';
export { approvalOptions } from './approval-options.js';
export { approvalMigrations } from './migrations/index.js';
export { approvalRoutes } from './approval-routes.js';
export { approvalIdOf } from './approval-id-of.js';
export { pruneApprovals } from './prune-approvals.js';
export { requireApproval, approvalUrls } from './require-approval.js';
export { canonicalJson, inputDigest } from './input-digest.js';
export {
  approvalChallenge,
  approvedFor,
  approvalInput,
  consumeApproval,
  createApproval,
  currentStatus,
  decideApproval,
  findApproval,
  pendingApprovals,
  type AskedCall,
} from './approval-store.js';
export type { ApprovalStatus, ProxyApprovalsTable } from './approval-tables.js';
export { approvalsPageRoutes, type ActionTitleOf } from './approvals-page-routes.js';
