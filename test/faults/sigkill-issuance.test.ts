// SIGKILL during sustained issuance (issue 19, Faults): a real `oauth3 serve` process issues client_credentials
// tokens and registers clients (DCR) for 8 concurrent loops, is killed mid-load, and is started again on the same
// database. Every token answered 200 before the kill is active at introspection afterwards, every client registered
// authenticates, their audit events are stored, and nothing is half-written (a token row without its event, or an
// event without its row). On SQLite and on PostgreSQL.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { dialects, freshDatabase } from '../support/databases.js';
import { driveThenKill, fetchWithin, inParallel } from '../support/drive-and-kill.js';
import { killAllGateways, killableGateway, type KillableGateway } from '../support/killable-gateway.js';

/** Tokens to collect before the kill (bounded: the load stops there, whatever the machine's speed). */
const TOKENS = 300;
/** One step in this many registers a client instead of asking for a token. */
const REGISTER_EVERY = 6;

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
    const target = await freshDatabase(dialect);
    const gateway = await killableGateway({
      OAUTH3_DATA_DIR: target.dataDir,
      ...(target.databaseUrl ? { DATABASE_URL: target.databaseUrl } : {}),
      OAUTH3_MASTER_KEY: randomBytes(32).toString('hex'),
      OAUTH3_RATE_LIMIT_AUTH: '0', // 8 loops registering from one address: the limit has its own tests
      OAUTH3_LOG_LEVEL: 'warn',
    });
    await gateway.start();

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
    await gateway.stop();

    const { db } = openDatabase(target);
    try {
      const events = await db
        .selectFrom('audit_events')
        .select(['action', 'target_id'])
        .where('action', 'in', ['oauth.token.issued', 'oauth.client.registered'])
        .execute();
      const issued = new Set(events.filter((e) => e.action === 'oauth.token.issued').map((e) => e.target_id));
      const registered = new Set(events.filter((e) => e.action === 'oauth.client.registered').map((e) => e.target_id));
      expect(tokens.map((t) => jtiOf(t.token)).filter((j) => !issued.has(j))).toEqual([]);
      expect(clients.map((c) => c.id).filter((id) => !registered.has(id))).toEqual([]);

      // Nothing half-written, the requests cut by the kill included: each token row has its event and each event
      // its row (one transaction); the same for clients.
      const rows = new Set((await db.selectFrom('access_tokens').select('jti').execute()).map((r) => r.jti));
      const clientRows = new Set(
        (await db.selectFrom('oauth_clients').select('id').where('source', '=', 'dcr').execute()).map((r) => r.id),
      );
      expect([...rows].filter((j) => !issued.has(j))).toEqual([]);
      expect([...issued].filter((j) => !rows.has(j!))).toEqual([]);
      expect([...clientRows].filter((id) => !registered.has(id))).toEqual([]);
      expect([...registered].filter((id) => !clientRows.has(id!))).toEqual([]);
      // The restart's own tokens (one per client above) are there too: rows beyond the acknowledged ones.
      expect(rows.size).toBeGreaterThanOrEqual(tokens.length + clients.length);
      expect(result.steps).toBeGreaterThanOrEqual(TOKENS);
    } finally {
      await db.destroy();
    }
  }, 180_000);
});
