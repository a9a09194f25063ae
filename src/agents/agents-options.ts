import { opt, type OptionSchema, type OptionValues } from '../config/index.js';

/** The agents' slice of the config: delegation lifetimes. */
export const agentsOptions = {
  delegationTtl: opt.int('OAUTH3_DELEGATION_TTL', 'Default lifetime of a delegation token, in seconds.', 3600, 60, 30 * 86400),
  delegationMaxTtl: opt.int(
    'OAUTH3_DELEGATION_MAX_TTL',
    'Longest lifetime a person may give a delegation token, in seconds.',
    86400,
    60,
    365 * 86400,
  ),
} satisfies OptionSchema;

declare module '../config/config.js' {
  interface Config extends OptionValues<typeof agentsOptions> {}
}
