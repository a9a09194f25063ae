import { randomInt } from 'node:crypto';
import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import type { DataKeyRing } from '../crypto/index.js';
import type { OAuthProvider } from './providers/index.js';
import type { VaultConnectionsTable } from './tables.js';
import { openSecret, sealSecret } from './credential-secret.js';
import { UpstreamError, type Upstream } from './upstream.js';
import { vaultErrors } from './vault-errors.js';

/** How long a refresh lease holds (ms): a holder that died is replaced after this. Longer than an upstream call may take. */
export const LEASE_MS = 15_000;
/** Backoff after an upstream failure (ms): no refresh is tried before it has passed (longer if the upstream's Retry-After says so). */
export const UNAVAILABLE_BACKOFF_MS = 30_000;
/** Each failure right after a backoff doubles it, up to this (ms). */
export const MAX_BACKOFF_MS = 600_000;

/**
 * How long to leave the upstream alone after this failure: the base backoff, twice the last one when the connection
 * was already backing off (its `retry_after` was set `updated_at` + that much), or the upstream's Retry-After if
 * longer; at most MAX_BACKOFF_MS.
 */
export function backoffAfter(row: Pick<VaultConnectionsTable, 'status' | 'retry_after' | 'updated_at'>, retryAfterS = 0): number {
  const last = row.status === 'unavailable' && row.retry_after !== null ? Number(row.retry_after) - Number(row.updated_at) : 0;
  return Math.min(MAX_BACKOFF_MS, Math.max(UNAVAILABLE_BACKOFF_MS, 2 * last, retryAfterS * 1000));
}
const WAIT_STEP_MS = 50;

export interface RefreshDeps {
  ctx: Pick<AppContext, 'db' | 'audit' | 'log'>;
  ring: DataKeyRing;
  upstream: Upstream;
}

/** A token still valid is not refreshed again within this long of its last refresh (ms; half its lifetime if that is shorter). */
export const MIN_REFRESH_INTERVAL_MS = 60_000;

/**
 * True when the row's token must be refreshed before it is served (`freshFor`: ms it must still be valid). An
 * expired token always is. One still valid but short of `freshFor` is not when it was refreshed a moment ago
 * (within MIN_REFRESH_INTERVAL_MS, or half its lifetime): the upstream's tokens simply live less than asked (a
 * `min_ttl` or a margin longer than the provider gives), and refreshing again would not help, only make every
 * request a call upstream.
 */
export function needsRefresh(row: Pick<VaultConnectionsTable, 'expires_at' | 'refreshed_at'>, freshFor: number, now = Date.now()): boolean {
  if (row.expires_at === null) return false;
  const expiresAt = Number(row.expires_at);
  if (expiresAt - now >= freshFor) return false;
  if (expiresAt <= now || row.refreshed_at === null) return true;
  const refreshedAt = Number(row.refreshed_at);
  return now - refreshedAt >= Math.min(MIN_REFRESH_INTERVAL_MS, (expiresAt - refreshedAt) / 2);
}

/** True when no refresh may be tried now: the person must connect again, or the upstream failed and the backoff runs. */
export function refreshBlocked(row: Pick<VaultConnectionsTable, 'status' | 'retry_after'>, now = Date.now()): boolean {
  return row.status === 'needs_reauth' || (row.status === 'unavailable' && row.retry_after !== null && Number(row.retry_after) > now);
}

const readRow = (deps: RefreshDeps, id: string) =>
  deps.ctx.db.selectFrom('vault_connections').selectAll().where('id', '=', id).executeTakeFirst();

/** Throws the caller-facing error for a connection that cannot be served as it stands. */
export function refuseUnusable(row: VaultConnectionsTable, now = Date.now()): void {
  if (row.status === 'needs_reauth') throw new AppError(vaultErrors.ERR_VAULT_NEEDS_REAUTH, undefined, { provider: row.provider });
  if (row.status === 'unavailable' && row.retry_after !== null && Number(row.retry_after) > now) {
    throw new AppError(vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE, undefined, {
      provider: row.provider,
      retry_after: Math.max(1, Math.ceil((Number(row.retry_after) - now) / 1000)),
    });
  }
}

/**
 * Refreshes one connection, once across every process and instance sharing the database: a lease taken with a
 * conditional update (whoever's update matched holds it), then the row is read again, since another holder may
 * have refreshed it meanwhile, or failed (then it is not tried again: "needs re-authorization" is final, and an
 * unavailable upstream is left alone until its backoff has passed). Those without the lease wait and re-read; a
 * lease whose holder died is taken over once it has run out. The new access token and a rotated refresh token are
 * stored in one transaction, with the audit event, before either is served. Returns the row as stored afterwards.
 */
export async function refreshConnection(
  deps: RefreshDeps,
  provider: OAuthProvider,
  id: string,
  freshFor: number,
): Promise<VaultConnectionsTable> {
  const deadline = Date.now() + LEASE_MS + 5_000;
  for (;;) {
    const now = Date.now();
    const lease = now + LEASE_MS + randomInt(1000); // our mark: the write-back below matches it
    const took = await deps.ctx.db
      .updateTable('vault_connections')
      .set({ lease_until: lease })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    const row = await readRow(deps, id);
    if (!row) throw new AppError(vaultErrors.ERR_VAULT_NOT_CONNECTED);
    const held = Number(took.numUpdatedRows) > 0 && Number(row.lease_until) === lease;
    // Refreshed meanwhile, or failed meanwhile (by another process, whose waiters are not ours): never a second try.
    if (!needsRefresh(row, freshFor) || refreshBlocked(row)) {
      if (held) await release(deps, id, lease);
      refuseUnusable(row);
      return row;
    }
    if (held) return refreshHeld(deps, provider, row, lease);
    if (Date.now() > deadline) {
      throw new AppError(vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE, 'Another refresh of this connection did not finish.', {
        provider: row.provider,
        retry_after: 1,
      });
    }
    await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
  }
}

async function release(deps: RefreshDeps, id: string, lease: number): Promise<void> {
  await deps.ctx.db
    .updateTable('vault_connections')
    .set({ lease_until: null })
    .where('id', '=', id)
    .where('lease_until', '=', lease)
    .execute();
}

async function refreshHeld(
  deps: RefreshDeps,
  provider: OAuthProvider,
  row: VaultConnectionsTable,
  lease: number,
): Promise<VaultConnectionsTable> {
  const secret = await openSecret(deps.ring, row);
  const refreshToken = secret.kind === 'oauth' ? secret.refresh_token : undefined;
  const event = { actor: { type: 'system' as const }, userId: row.user_id, target: { type: 'connection', id: row.id } };
  try {
    if (!refreshToken) throw new UpstreamError('invalid_grant', 'no refresh token: the upstream gave none');
    const tokens = await deps.upstream.refresh(provider, refreshToken);
    const now = Date.now();
    const next = {
      kind: 'oauth' as const,
      access_token: tokens.accessToken,
      token_type: tokens.tokenType,
      refresh_token: tokens.refreshToken ?? refreshToken, // a provider that rotates gives a new one; else keep ours
      ...(tokens.idToken ? { id_token: tokens.idToken } : secret.kind === 'oauth' && secret.id_token ? { id_token: secret.id_token } : {}),
    };
    const { sealed, keyId } = sealSecret(deps.ring, row, next);
    const written = await deps.ctx.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('vault_connections')
        .set({
          secret_sealed: sealed,
          key_id: keyId,
          expires_at: tokens.expiresIn === undefined ? null : now + tokens.expiresIn * 1000,
          scopes: tokens.scope ?? row.scopes,
          status: 'active',
          last_error: null,
          retry_after: null,
          lease_until: null,
          refreshed_at: now,
          updated_at: now,
        })
        .where('id', '=', row.id)
        // Ours while the lease holds; past it, still ours if no one refreshed or reconnected since we read the row:
        // the upstream may have rotated the refresh token, and dropping the new one would leave only a used one.
        // (A re-encryption changes neither: it re-seals only rows still as it read them.)
        .where((eb) => eb.or([eb('lease_until', '=', lease), eb('refreshed_at', row.refreshed_at === null ? 'is' : '=', row.refreshed_at)]))
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      await deps.ctx.audit.record(trx, {
        ...event,
        action: 'vault.refreshed',
        detail: { provider: row.provider, rotated: !!tokens.refreshToken },
      });
      return true;
    });
    if (!written)
      deps.ctx.log.warn({ provider: row.provider, connection: row.id }, 'an upstream refresh outlived its lease; the newer one was kept');
    const stored = await readRow(deps, row.id);
    if (!stored) throw new AppError(vaultErrors.ERR_VAULT_NOT_CONNECTED, undefined, { provider: row.provider });
    return stored;
  } catch (e) {
    if (!(e instanceof UpstreamError)) {
      await release(deps, row.id, lease);
      throw e;
    }
    const reauth = e.reason === 'invalid_grant';
    const now = Date.now();
    const backoffMs = backoffAfter(row, e.retryAfter);
    await deps.ctx.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('vault_connections')
        .set({
          status: reauth ? 'needs_reauth' : 'unavailable',
          last_error: e.cause.slice(0, 200),
          retry_after: reauth ? null : now + backoffMs,
          lease_until: null,
          updated_at: now,
        })
        .where('id', '=', row.id)
        .where('lease_until', '=', lease)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return; // the lease ran out and another holder's outcome stands
      await deps.ctx.audit.record(trx, {
        ...event,
        action: reauth ? 'vault.needs_reauth' : 'vault.upstream_unavailable',
        result: 'failure',
        detail: { provider: row.provider, error: e.cause.slice(0, 200) },
      });
    });
    const fields = { provider: row.provider, connection: row.id, cause: e.cause };
    if (e.configuration)
      deps.ctx.log.error(
        fields,
        "the upstream refused the gateway's refresh: check the provider's client_id, client_secret and token_endpoint_auth_method",
      );
    else if (!reauth) deps.ctx.log.warn(fields, 'upstream refresh failed; backing off');
    throw reauth
      ? new AppError(vaultErrors.ERR_VAULT_NEEDS_REAUTH, undefined, { provider: row.provider })
      : new AppError(vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE, undefined, {
          provider: row.provider,
          retry_after: Math.ceil(backoffMs / 1000),
        });
  }
}
