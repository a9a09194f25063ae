import type { Db } from '../store/index.js';
import { sealedKeyId, type DataKeyRing } from '../crypto/index.js';
import { secretAad } from './credential-secret.js';

/** Progress of a re-encryption, after each batch. */
export interface ReencryptProgress {
  /** Rows re-sealed so far in this run. */
  done: number;
  /** Rows that were on another key when this run started. */
  total: number;
  /** Rows a second, so far. */
  rate: number;
  /** Rows that could not be opened so far (left as they are). */
  failed: number;
}

/** What a re-encryption did. */
export interface ReencryptResult {
  /** Rows re-sealed under the primary. */
  resealed: number;
  /** Connections whose credential does not open (changed, or copied from another row): left on their key. */
  failed: string[];
}

/**
 * Re-seals every connection that is not under the primary data key, online, in batches (one transaction each),
 * while the gateway serves. The plaintext is re-sealed as it was (same bytes, same aad), and never leaves the
 * process. Each row is written only if it is still what was read (a refresh that rewrote it meanwhile wins; the
 * next pass sees it on the primary or picks it up again). The state is the rows' `key_id`: killed half-way, it
 * resumes where it stopped when run again, and a run with nothing to do changes nothing. A row that does not open
 * is reported and left on its key, so that `retire` keeps refusing that key; the others are re-sealed.
 */
export async function reencrypt(
  db: Db,
  ring: DataKeyRing,
  o: { batch?: number; onProgress?: (p: ReencryptProgress) => void } = {},
): Promise<ReencryptResult> {
  const batch = o.batch ?? 500;
  await ring.reload(); // the primary another instance or the CLI just made
  const primary = ring.primaryKid;
  const counted = await db
    .selectFrom('vault_connections')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('key_id', '!=', primary)
    .executeTakeFirst();
  const total = Number(counted?.n ?? 0);
  const started = Date.now();
  const failed = new Set<string>();
  let done = 0;
  // A row a concurrent refresh rewrote under a key this run passed over is picked up by the next pass.
  for (let pass = 0; pass < 5; pass++) {
    const before = done;
    await onePass();
    if (done === before) break;
  }
  return { resealed: done, failed: [...failed] };

  async function onePass(): Promise<void> {
    let after = '';
    for (;;) {
      const rows = await db
        .selectFrom('vault_connections')
        .select(['id', 'user_id', 'provider', 'secret_sealed'])
        .where('key_id', '!=', primary)
        .where('id', '>', after)
        .orderBy('id')
        .limit(batch)
        .execute();
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      const resealed: Array<{ id: string; was: string; sealed: string; keyId: string }> = [];
      for (const r of rows) {
        const aad = secretAad(r);
        let plaintext: Buffer;
        try {
          plaintext = await ring.open(r.secret_sealed, aad);
        } catch {
          failed.add(r.id);
          continue;
        }
        const sealed = ring.seal(plaintext, aad); // under the primary of now (a reload may have found a newer one)
        resealed.push({ id: r.id, was: r.secret_sealed, sealed, keyId: sealedKeyId(sealed) });
        plaintext.fill(0);
      }
      await db.transaction().execute(async (trx) => {
        for (const r of resealed) {
          const res = await trx
            .updateTable('vault_connections')
            .set({ secret_sealed: r.sealed, key_id: r.keyId })
            .where('id', '=', r.id)
            .where('secret_sealed', '=', r.was)
            .executeTakeFirst();
          done += Number(res.numUpdatedRows);
        }
      });
      o.onProgress?.({ done, total, rate: done / Math.max(0.001, (Date.now() - started) / 1000), failed: failed.size });
    }
  }
}

/** Rows per data key (for `vault status` and `vault retire`). */
export async function rowsPerKey(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('vault_connections')
    .select(['key_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('key_id')
    .execute();
  return new Map(rows.map((r) => [r.key_id, Number(r.n)]));
}
