import { opt, type OptionSchema, type OptionValues } from '../../config/index.js';

/** How long a person has to approve an asked call, and the agent to use the approval; how many may wait per grant. */
export const approvalOptions = {
  proxyApprovalTtl: opt.int(
    'OAUTH3_PROXY_APPROVAL_TTL',
    'Seconds an approval of one action call ("ask me each time") stays valid: to be approved with a passkey, then used once by the agent.',
    300,
    30,
    3600,
  ),
  proxyApprovalMaxPending: opt.int(
    'OAUTH3_PROXY_APPROVAL_MAX_PENDING',
    "How many asked calls of one grant may wait for the person's approval at once; the next is refused (429 ERR_PROXY_APPROVAL_TOO_MANY) until some are decided or expire, so an agent cannot flood the person's approvals page.",
    20,
    1,
    1000,
  ),
} satisfies OptionSchema;

declare module '../../config/config.js' {
  interface Config extends OptionValues<typeof approvalOptions> {}
}
