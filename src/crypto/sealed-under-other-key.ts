/**
 * That stored data (a signing key, a vault data key) is sealed under a master key this gateway was not given: what
 * it is ("vault data key dk_…  is sealed"), the id of the key it needs and the ids of those it has. Carried on the
 * rings' errors so that a caller who knows more (a gateway in a TEE, where the master key is derived) can say what
 * to do instead of the default advice.
 */
export interface SealedUnderOtherKey {
  what: string;
  needs: string;
  have: string;
}

/** The rings' message: the fact, then how to give the key (OAUTH3_MASTER_KEY, or OAUTH3_MASTER_KEY_PREVIOUS during a rotation). */
export const sealedUnderOtherKeyMessage = ({ what, needs, have }: SealedUnderOtherKey): string =>
  `${what} under master key ${needs}, but the configured master key is ${have}: set OAUTH3_MASTER_KEY to the key it was made with (or OAUTH3_MASTER_KEY_PREVIOUS during a rotation)`;
