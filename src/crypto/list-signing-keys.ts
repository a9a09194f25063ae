import type { Executor } from '../store/index.js';

/** active: signs and verifies; verify: verifies only (rotated out); retired: neither. */
export type SigningKeyStatus = 'active' | 'verify' | 'retired';

export interface SigningKeyInfo {
  kid: string;
  alg: string;
  status: SigningKeyStatus;
  createdAt: number;
  retiredAt: number | null;
}

/** Every signing key with its status, newest first. Reads only: needs no master key (`oauth3 keys list`). */
export async function listSigningKeys(db: Executor): Promise<SigningKeyInfo[]> {
  const rows = await db
    .selectFrom('signing_keys')
    .select(['kid', 'alg', 'status', 'created_at', 'retired_at'])
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    kid: r.kid,
    alg: r.alg,
    status: r.status,
    createdAt: Number(r.created_at),
    retiredAt: r.retired_at === null ? null : Number(r.retired_at),
  }));
}
