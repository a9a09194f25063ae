import { defineErrorCodes } from '../../../errors/index.js';

/** The http plugins' own refusals. */
export const httpPluginErrors = defineErrorCodes({
  ERR_HTTP_PATH_NOT_ALLOWED: {
    status: 403,
    message: 'This action of the HTTP API may reach only the paths its configuration lists; nothing was sent.',
  },
});
