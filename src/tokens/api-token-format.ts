import { checksummedSecret } from '../crypto/index.js';

/** Prefix of personal API tokens, so secret scanners can recognise them (like GitHub's `ghp_`). */
export const API_TOKEN_PREFIX = 'o3p_';
const format = checksummedSecret(API_TOKEN_PREFIX);

/** A new personal API token: `o3p_` + 43 random base62 chars (256 bits) + a 6-char base62 CRC32 of what precedes it. */
export const generateApiToken = (): string => format.generate();

/** True when the string has the `o3p_` prefix (whatever follows): it is meant as an API token. */
export const looksLikeApiToken = (bearer: string): boolean => format.looksLike(bearer);

/** Checks shape and checksum without any I/O: a typo or a forged token is refused before the database is asked. */
export const hasValidApiTokenChecksum = (token: string): boolean => format.isValid(token);
