import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { randomId, RecentlyOpened, type DataKeyRing } from '../crypto/index.js';
import { preparedQuery, type Executor } from '../store/index.js';
import type { EndpointResolver, Provider, OAuthProvider } from './providers/index.js';
import type { VaultConnectionsTable } from './tables.js';
import { openSecret, sealSecret, type CredentialSecret } from './credential-secret.js';
import { needsRefresh, refreshConnection, refuseUnusable } from './refresh-connection.js';
import { SingleFlight } from './single-flight.js';
import type { Upstream } from './upstream.js';
import { vaultErrors } from './vault-errors.js';
import { allow, allowancesOf, disallow, isAllowed, type Allowance } from './allowances.js';

/** A person's connection to a provider: read on every proxied call, so compiled once (preparedQuery). */
const connectionOf = preparedQuery(['userId', 'provider'], (db, slot) =>
  db.selectFrom('vault_connections').selectAll().where('user_id', '=', slot('userId')).where('provider', '=', slot('provider')),
);

/** A credential as served: the upstream access token (or the entered values of a key provider). */
export interface ServedCredential {
  provider: string;
  account: string | null;
  accessToken?: string;
  tokenType?: string;
  /** ms; null when the upstream gave no expiry. */
  expiresAt: number | null;
  scope: string;
  /** A key provider's entered values. */
  values?: Record<string, string>;
}

/** Who receives a credential: the audit event and "last used by" name them. */
export interface CredentialUser {
  /** `apikey:<id>`, `client:<client_id>` or `agent:<client_id>`. */
  server: string;
  /** Its name as the person knows it (the API key's name, the client's name): the access log shows it. */
  name?: string;
  ip?: string | null;
}

/** A connection to store (after a connect flow). */
export interface NewConnection {
  userId: string;
  provider: string;
  account: string | null;
  scopes: string;
  secret: CredentialSecret;
  /** ms; null: no expiry. */
  expiresAt: number | null;
}

/** "last used" is written at most this often per connection (ms): serving a token is not a write per request. */
const LAST_USED_EVERY_MS = 60_000;

/**
 * The vault of one app: its providers, its data-key ring and the connections. `credentialFor` is what the server
 * API, the token exchange and the proxy call: decrypt, refresh when near expiry (single flight in the process, a
 * lease across processes), audit what was served.
 */
export class Vault {
  private readonly flights = new SingleFlight<VaultConnectionsTable>();
  private readonly byId: ReadonlyMap<string, Provider>;
  /** What credentialFor opens through: serving a token again within a minute decrypts nothing. */
  private readonly opened: RecentlyOpened;

  constructor(
    readonly ctx: AppContext,
    readonly providers: readonly Provider[],
    readonly ring: DataKeyRing,
    /** The providers' authorization servers (discovery cached for the app's life): the connect flow uses it too. */
    readonly endpoints: EndpointResolver,
    readonly upstream: Upstream,
  ) {
    this.byId = new Map(providers.map((p) => [p.id, p]));
    this.opened = new RecentlyOpened(ring);
  }

  /** The provider with this id, or ERR_VAULT_UNKNOWN_PROVIDER. */
  provider(id: string): Provider {
    const p = this.byId.get(id);
    if (!p) throw new AppError(vaultErrors.ERR_VAULT_UNKNOWN_PROVIDER, `No provider "${id}" is configured.`);
    return p;
  }

  /** The person's connection of a provider, if any. */
  async connection(userId: string, provider: string, db: Executor = this.ctx.db): Promise<VaultConnectionsTable | undefined> {
    return (await connectionOf(db, { userId, provider })).rows[0];
  }

  /** The person's connections, by provider id. */
  connections(userId: string): Promise<VaultConnectionsTable[]> {
    return this.ctx.db.selectFrom('vault_connections').selectAll().where('user_id', '=', userId).orderBy('provider').execute();
  }

  /**
   * A fresh credential of the person's connection: valid for at least `minTtl` seconds (and the provider's refresh
   * margin), refreshed once if not. Checks nothing about who asks: callers check allowances first (`isAllowed`).
   * Audited as `vault.token_served`, unless `audit: false`: the gateway uses the credential itself and its own event
   * records the use (the proxy's `proxy.called`, which names the provider and account).
   */
  async credentialFor(
    userId: string,
    providerId: string,
    user: CredentialUser,
    o: { minTtl?: number; audit?: boolean } = {},
  ): Promise<ServedCredential> {
    const provider = this.provider(providerId);
    let row = await this.connection(userId, providerId);
    if (!row) throw new AppError(vaultErrors.ERR_VAULT_NOT_CONNECTED, undefined, { provider: providerId });
    if (provider.kind !== 'api_key') {
      const freshFor = Math.max((o.minTtl ?? 0) * 1000, (provider.refreshMarginSeconds ?? this.ctx.config.vaultRefreshMargin) * 1000);
      if (needsRefresh(row, freshFor) || row.status !== 'active') {
        try {
          refuseUnusable(row);
          if (needsRefresh(row, freshFor)) {
            const id = row.id;
            row = await this.flights.run(`${id}:${freshFor}`, () =>
              refreshConnection(this.deps(), provider as OAuthProvider, id, freshFor),
            );
          }
        } catch (e) {
          // An upstream that is down does not take away a token that is still good for what was asked.
          const stillGood = row.expires_at === null || Number(row.expires_at) - Date.now() > (o.minTtl ?? 0) * 1000;
          if (!(e instanceof AppError && e.code === vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE.code && stillGood)) throw e;
        }
      }
    }
    const secret = await openSecret(this.opened, row);
    await this.noteUse(row, user, o.audit !== false);
    return {
      provider: providerId,
      account: row.account,
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
      scope: row.scopes,
      ...(secret.kind === 'oauth' ? { accessToken: secret.access_token, tokenType: secret.token_type } : { values: secret.values }),
    };
  }

  /**
   * Stores a connection (a new one or a reconnect, which replaces the credential and clears a "needs
   * re-authorization"), with its audit event, in `db` (the caller's transaction, if any).
   */
  async store(c: NewConnection, db: Executor = this.ctx.db): Promise<string> {
    const now = Date.now();
    const existing = await this.connection(c.userId, c.provider, db);
    const id = existing?.id ?? randomId('vc');
    const { sealed, keyId } = sealSecret(this.ring, { id, user_id: c.userId, provider: c.provider }, c.secret);
    const fields = {
      account: c.account,
      scopes: c.scopes,
      secret_sealed: sealed,
      key_id: keyId,
      expires_at: c.expiresAt,
      status: 'active',
      last_error: null,
      retry_after: null,
      lease_until: null,
      refreshed_at: now,
      updated_at: now,
    };
    if (existing) await db.updateTable('vault_connections').set(fields).where('id', '=', id).execute();
    else
      await db
        .insertInto('vault_connections')
        .values({ id, user_id: c.userId, provider: c.provider, created_at: now, last_used_at: null, last_used_by: null, ...fields })
        .execute();
    await this.ctx.audit.record(db, {
      action: 'vault.connected',
      actor: { type: 'user', id: c.userId },
      userId: c.userId,
      target: { type: 'connection', id },
      detail: { provider: c.provider, account: c.account, scopes: c.scopes, reconnected: !!existing },
    });
    return id;
  }

  /**
   * Removes the person's connection and the allowances of it, revoking the upstream grant first where the provider
   * supports RFC 7009 (a failure there is logged and the connection still removed: the person asked to be rid of it).
   * Says whether the upstream grant was revoked; undefined when there was no connection.
   */
  async disconnect(
    userId: string,
    providerId: string,
    actor: { type: 'user' | 'client'; id: string },
  ): Promise<{ revokedUpstream: boolean } | undefined> {
    const row = await this.connection(userId, providerId);
    if (!row) return undefined;
    const provider = this.byId.get(providerId);
    let revoked = false;
    if (provider && provider.kind !== 'api_key') {
      try {
        const secret = await openSecret(this.ring, row);
        if (secret.kind === 'oauth') {
          revoked = await this.upstream.revoke(
            provider,
            secret.refresh_token ?? secret.access_token,
            secret.refresh_token ? 'refresh_token' : 'access_token',
          );
        }
      } catch (err) {
        this.ctx.log.warn({ provider: providerId, connection: row.id, err: (err as Error).message }, 'upstream revocation failed');
      }
    }
    await this.ctx.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('vault_connections').where('id', '=', row.id).execute();
      await trx.deleteFrom('vault_allowances').where('user_id', '=', userId).where('provider', '=', providerId).execute();
      await this.ctx.audit.record(trx, {
        action: 'vault.disconnected',
        actor,
        userId,
        target: { type: 'connection', id: row.id },
        detail: { provider: providerId, account: row.account, revokedUpstream: revoked },
      });
    });
    return { revokedUpstream: revoked };
  }

  /** Whether the person allowed `server` to use their connection of `provider`. */
  isAllowed(userId: string, provider: string, server: string): Promise<boolean> {
    return isAllowed(this.ctx.db, userId, provider, server);
  }

  /** Records that the person allowed `server` (idempotent), audited. */
  allow(userId: string, provider: string, server: string, db: Executor = this.ctx.db): Promise<void> {
    return allow(this.ctx, db, userId, provider, server);
  }

  /** Takes back an allowance; true when there was one. */
  disallow(userId: string, provider: string, server: string): Promise<boolean> {
    return disallow(this.ctx, userId, provider, server);
  }

  /** The servers allowed to use each of the person's connections. */
  allowances(userId: string): Promise<Allowance[]> {
    return allowancesOf(this.ctx.db, userId);
  }

  private deps() {
    return { ctx: this.ctx, ring: this.ring, upstream: this.upstream };
  }

  /**
   * The audit event of a served token, durable before the token is handed out (a credential served unrecorded is
   * what a vault must never do, even if the process dies a moment later), and "last used" at most once a minute
   * per connection and server.
   */
  private async noteUse(row: VaultConnectionsTable, user: CredentialUser, audit: boolean): Promise<void> {
    const now = Date.now();
    if (row.last_used_by !== user.server || row.last_used_at === null || now - Number(row.last_used_at) >= LAST_USED_EVERY_MS)
      void this.ctx.db
        .updateTable('vault_connections')
        .set({ last_used_at: now, last_used_by: user.server })
        .where('id', '=', row.id)
        .execute()
        .catch((err) => this.ctx.log.warn({ err }, 'recording a connection use failed'));
    if (audit)
      await this.ctx.audit.write({
        action: 'vault.token_served',
        actor: { type: user.server.startsWith('apikey:') ? 'client' : 'agent', id: user.server },
        userId: row.user_id,
        target: { type: 'connection', id: row.id },
        ip: user.ip ?? null,
        detail: { provider: row.provider, account: row.account, by: user.name ?? user.server },
      });
  }
}
