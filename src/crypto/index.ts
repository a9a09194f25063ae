export { randomToken, randomId, sha256, safeEqual } from './random.js';
export { seal, open, sealedKeyId, symmetricKey, MissingKeyError, type SymmetricKey } from './secret-box.js';
export { loadMasterKey, parseMasterKey, MasterKeyError } from './master-key.js';
export { signJwt, verifyJwt, decodeJwt, JwtError, type JwtHeader, type JwtPayload } from './jwt.js';
export { SigningKeyRing, SigningKeyError, type SigningKeysTable, type SigningAlg } from './signing-key-ring.js';
export { listSigningKeys, type SigningKeyInfo, type SigningKeyStatus } from './list-signing-keys.js';
export type { PendingJwt } from './signature-queue.js';
