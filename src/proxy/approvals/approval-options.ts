import { opt, type OptionSchema, type OptionValues } from '../../config/index.js';

/** How long a person has to approve an asked call, and the agent to use the approval. */
export const approvalOptions = {
  proxyApprovalTtl: opt.int(
    'OAUTH3_PROXY_APPROVAL_TTL',
    'Seconds an approval of one action call ("ask me each time") stays valid: to be approved with a passkey, then used once by the agent.',
    300,
    30,
    3600,
  ),
} satisfies OptionSchema;

declare module '../../config/config.js' {
  interface Config extends OptionValues<typeof approvalOptions> {}
}
