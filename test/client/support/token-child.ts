// One of the processes of test/client/token-refresh-processes.test.ts: asks the file store's token manager for a token.
import { createTokenManager, fileTokenStore } from '../../../src/client/index.js';

const [issuer, dir] = process.argv.slice(2);
const token = await createTokenManager({ store: fileTokenStore({ issuer: issuer!, dir: dir! }) }).getAccessToken();
process.stdout.write(token);
