import { checksummedSecret } from '../../crypto/index.js';

/**
 * Vault API keys (`o3k_` + 256 random bits + a checksum), the secret an MCP server sends to the server API: shaped
 * like personal API tokens, so secret scanners recognise them and a mistyped key is refused without a lookup.
 */
export const vaultApiKeyFormat = checksummedSecret('o3k_');
