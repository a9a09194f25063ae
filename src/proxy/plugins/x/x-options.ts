import { opt, type OptionSchema, type OptionValues } from '../../../config/index.js';

/** The `x` plugin's slice of the config: where the X API v2 is (a loopback stand-in in tests). */
export const xOptions = {
  xApiBase: opt.url(
    'OAUTH3_X_API_BASE',
    'Base URL of the X API v2 the x plugin calls (its only upstream host). Change it only for a test stand-in (plain http needs OAUTH3_PROXY_ALLOW_RANGES).',
    'https://api.x.com',
  ),
} satisfies OptionSchema;

declare module '../../../config/config.js' {
  interface Config extends OptionValues<typeof xOptions> {}
}
