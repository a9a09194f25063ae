// SIGKILL during sustained issuance (issue 19, Faults): a real `oauth3 serve` process issues client_credentials
// tokens, runs the code flow (authorize, the remembered consent, code exchange: an access and a refresh token) and
// registers clients (DCR) for 8 concurrent loops, is killed mid-load, and is started again on the same database.
// Every access token answered before the kill is accepted afterwards, every refresh token answered works, every
// client registered authenticates, every consent (grant) is there, their audit events are stored, and nothing is
// half-written (a token row without its event, or an event without its row). On SQLite and on PostgreSQL.
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { dialects } from '../support/databases.js';
import { driveThenKill, fetchWithin, inParallel } from '../support/drive-and-kill.js';
import { killAllGateways, killableGateway, setupEnv, type KillableGateway } from '../support/killable-gateway.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { apiStatus, codeFor, exchange, publicClient } from '../oauth/support/oauth-helpers.js';

/** Tokens to collect before the kill (bounded: the load stops there, whatever the machine's speed). */
const TOKENS = 300;
/** One step in this many registers a client, one in this many (offset by half) runs the code flow; the rest client_credentials. */
const REGISTER_EVERY = 6;
const REDIRECT = 'http://127.0.0.1:7777/cb';

interface Client {
  id: string;
  secret: string;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const creds = (c: Client) => `client_id=${encodeURIComponent(c.id)}&client_secret=${encodeURIComponent(c.secret)}`;
const jtiOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).jti as string;

async function register(g: KillableGateway, name: string): Promise<Client | undefined> {
  const res = await fetchWithin(`${g.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: name, grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' }),
  });
  const body = (await res.json()) as { client_id?: string; client_secret?: string };
  if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.client_id!, secret: body.client_secret! };
}

async function token(g: KillableGateway, c: Client): Promise<{ status: number; token?: string }> {
  const res = await fetchWithin(`${g.url}/token`, { method: 'POST', headers: form, body: `grant_type=client_credentials&${creds(c)}` });
  const body = (await res.json()) as { access_token?: string };
  return { status: res.status, token: body.access_token };
}

afterEach(killAllGateways);

describe.each(dialects)('SIGKILL during sustained issuance on %s', (dialect) => {
  it('every token and client acknowledged before the kill is there and valid after a restart, with its audit event', async () => {
    // The in-process app makes the person (a session the gateway process accepts: same database and master key).
    const setup = await startTestApp(dialect);
    const user = await createTestUser(setup);
    await setup.stop();
    const target = { dataDir: setup.config.dataDir, databaseUrl: setup.config.databaseUrl };
    const gateway = await killableGateway(
      setupEnv(setup, {
        OAUTH3_RATE_LIMIT_AUTH: '0', // 8 loops registering from one address: the limit has its own tests
        OAUTH3_LOG_LEVEL: 'warn',
      }),
    );
    await gateway.start();
    const app = { url: gateway.url } as TestApp; // the oauth helpers only need where to send

    // Two apps of the person, consented once (the consents are grants; the load's code flows are remembered ones).
    const apps: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { client_id } = await publicClient(app, REDIRECT, { client_name: `app ${i}` });
      await codeFor(app, user, client_id, REDIRECT);
      apps.push(client_id);
    }
    const coded: Array<{ clientId: string; access: string; refresh: string }> = [];
    const clients: Client[] = [];
    for (let i = 0; i < 4; i++) clients.push((await register(gateway, `seed-${i}`))!);
    const tokens: Array<{ token: string; client: Client }> = [];
    const counts = Array.from({ length: 8 }, () => 0);
    const result = await driveThenKill({
      gateway,
      workers: 8,
      jitterMs: 40,
      until: () => tokens.length >= TOKENS,
      step: async (w) => {
        if (++counts[w]! % REGISTER_EVERY === 0) {
          const c = await register(gateway, `load-${w}-${counts[w]}`);
          if (c) clients.push(c); // acknowledged: answered 201 with its secret
          return;
        }
        if (counts[w]! % REGISTER_EVERY === REGISTER_EVERY / 2) {
          const clientId = apps[counts[w]! % apps.length]!;
          const { code, verifier } = await codeFor(app, user, clientId, REDIRECT);
          const answer = await exchange(app, clientId, code, verifier, REDIRECT);
          if (answer.status !== 200) throw new Error(`code exchange: ${answer.status} ${JSON.stringify(answer.body)}`);
          coded.push({ clientId, access: answer.body.access_token, refresh: answer.body.refresh_token });
          return;
        }
        const client = clients[Math.floor(Math.random() * clients.length)]!;
        const answer = await token(gateway, client);
        if (answer.status !== 200) throw new Error(`token: ${answer.status}`);
        tokens.push({ token: answer.token!, client });
      },
    });
    expect(tokens.length).toBeGreaterThanOrEqual(TOKENS);
    expect(clients.length).toBeGreaterThan(4 + TOKENS / REGISTER_EVERY / 2);

    await gateway.start(); // the same database, a new process
    const active = await inParallel(tokens, 8, async (t) => {
      const res = await fetchWithin(`${gateway.url}/introspect`, {
        method: 'POST',
        headers: form,
        body: `token=${t.token}&${creds(t.client)}`,
      });
      return res.status === 200 && ((await res.json()) as { active: boolean }).active;
    });
    expect(active.filter((a) => !a)).toEqual([]); // every acknowledged token verifies
    const issuing = await inParallel(clients, 8, async (c) => (await token(gateway, c)).status);
    expect(issuing.filter((s) => s !== 200)).toEqual([]); // every acknowledged client is there, its secret with it
    expect(coded.length).toBeGreaterThan(TOKENS / REGISTER_EVERY / 2);
    const accepted = await inParallel(coded, 8, (c) => apiStatus(app, c.access));
    expect(accepted.filter((s) => s !== 200)).toEqual([]); // the person's tokens are accepted
    const refreshed = await inParallel(coded, 8, async (c) => {
      const res = await fetchWithin(`${gateway.url}/token`, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: c.clientId, refresh_token: c.refresh }),
      });
      return res.status;
    });
    expect(refreshed.filter((s) => s !== 200)).toEqual([]); // every refresh token answered works
    await gateway.stop();

    const { db } = openDatabase(target);
    try {
      const events = await db
        .selectFrom('audit_events')
        .select(['action', 'target_type', 'target_id'])
        .where('action', 'in', ['oauth.token.issued', 'oauth.token.refreshed', 'oauth.client.registered'])
        .execute();
      // client_credentials and refresh events name the access token; a code exchange's names the grant.
      const issued = new Set(events.filter((e) => e.target_type === 'access_token').map((e) => e.target_id));
      const exchanges = events.filter((e) => e.action === 'oauth.token.issued' && e.target_type === 'grant');
      const registered = new Set(events.filter((e) => e.action === 'oauth.client.registered').map((e) => e.target_id));
      expect(tokens.map((t) => jtiOf(t.token)).filter((j) => !issued.has(j))).toEqual([]);
      expect(clients.map((c) => c.id).filter((id) => !registered.has(id))).toEqual([]);
      const grants = await db.selectFrom('oauth_grants').select(['id', 'client_id', 'user_id']).execute();
      expect(apps.filter((id) => !grants.some((g) => g.client_id === id && g.user_id === user.userId))).toEqual([]);

      // Nothing half-written, the requests cut by the kill included: each token row has its event and each event
      // its row (one transaction); each code used has its family, its access and refresh token and its event; the
      // same for clients.
      const rows = await db.selectFrom('access_tokens').select(['jti', 'family_id']).execute();
      const jtis = new Set(rows.map((r) => r.jti));
      const codes = await db.selectFrom('oauth_codes').select(['family_id', 'grant_id']).where('used_at', 'is not', null).execute();
      const codeFamilies = new Set(codes.map((c) => c.family_id));
      const families = new Set((await db.selectFrom('oauth_families').select('id').execute()).map((f) => f.id));
      const refreshFamilies = new Set((await db.selectFrom('oauth_refresh_tokens').select('family_id').execute()).map((r) => r.family_id));
      const firstOfExchange = (r: { jti: string; family_id: string | null }) => codeFamilies.has(r.family_id) && !issued.has(r.jti);
      expect(rows.filter((r) => !issued.has(r.jti) && !firstOfExchange(r)).map((r) => r.jti)).toEqual([]);
      expect([...issued].filter((j) => !jtis.has(j!))).toEqual([]);
      expect(codes.filter((c) => !families.has(c.family_id!) || !refreshFamilies.has(c.family_id!))).toEqual([]);
      expect(codes.filter((c) => rows.filter((r) => r.family_id === c.family_id && !issued.has(r.jti)).length !== 1)).toEqual([]);
      expect(exchanges.length).toBe(codes.length);
      expect(codes.length).toBeGreaterThanOrEqual(coded.length); // the acknowledged ones, and any the kill cut after the commit
      const clientRows = new Set(
        (await db.selectFrom('oauth_clients').select('id').where('source', '=', 'dcr').execute()).map((r) => r.id),
      );
      expect([...clientRows].filter((id) => !registered.has(id))).toEqual([]);
      expect([...registered].filter((id) => !clientRows.has(id!))).toEqual([]);
      expect(result.steps).toBeGreaterThanOrEqual(TOKENS);
    } finally {
      await db.destroy();
    }
  }, 180_000);
});
