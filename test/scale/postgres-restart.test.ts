// PostgreSQL stopping and starting again under a steady load, on a server of this test's own (the run's shared one
// is not disturbed): two gateway processes on it, a few connections of token requests, an authenticated API read
// and /health. While it is down /health says so with 503 and requests answer 503 quickly (no hang, no 500, no
// crash); once it is back everything answers 2xx again without a restart, and LISTEN is there again (a revocation
// reaches the other instance at once, with polling too slow to be the one that told it).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type RunningPostgres } from '../support/embedded-postgres.js';
import { spawnGateway, type GatewayProcess } from '../support/gateway-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';

/** The longest any request may take while the database is down (a hang is a failure). */
const ANSWER_BOUND_MS = 5000;
const form = { 'content-type': 'application/x-www-form-urlencoded' };
/** Marks the access-log event queued during the outage. */
const PROBE = `outage-${Date.now()}`;

interface Answer {
  kind: string;
  at: number;
  ms: number;
  status: number; // 0: no answer within the bound, or the connection failed
  body: Record<string, unknown>;
}

/** One request with a bound: its status (0 when it failed or took longer), JSON body and how long it took. */
async function timed(kind: string, url: string, init: RequestInit = {}): Promise<Answer> {
  const at = Date.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(ANSWER_BOUND_MS + 3000) });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { text: text.slice(0, 200) };
    }
    return { kind, at, ms: Date.now() - at, status: res.status, body };
  } catch (e) {
    return { kind, at, ms: Date.now() - at, status: 0, body: { failure: String(e) } };
  }
}

describe('PostgreSQL restarting under load', () => {
  let pg: RunningPostgres;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let user: TestUser;
  /** The in-process instance that wrote the schema and the person; it stays up through the outage too. */
  let seed: TestApp;
  let clientAuth: string;
  const answers: Answer[] = [];
  let loading = true;
  let load: Promise<void>;

  beforeAll(async () => {
    pg = await startEmbeddedPostgres();
    const masterKey = randomBytes(32).toString('base64url');
    const databaseUrl = pg.adminUrl;
    // The schema, the first signing key and a signed-in person, written by an in-process instance.
    seed = await startTestApp('postgres', { databaseUrl, masterKey });
    user = await createTestUser(seed);
    const publicUrl = seed.config.publicUrl;
    const env = {
      DATABASE_URL: databaseUrl,
      OAUTH3_MASTER_KEY: masterKey,
      OAUTH3_PUBLIC_URL: publicUrl,
      OAUTH3_REVOCATION_POLL_MS: '600000', // only LISTEN/NOTIFY can tell B of a revocation in time
      OAUTH3_RATE_LIMIT_AUTH: '0',
    };
    [a, b] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
    const reg = await fetch(`${a.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'restart',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
      }),
    });
    expect(reg.status).toBe(201);
    const { client_id, client_secret } = (await reg.json()) as Record<string, string>;
    clientAuth = `client_id=${encodeURIComponent(client_id!)}&client_secret=${encodeURIComponent(client_secret!)}`;

    // The steady load: three connections, each one request after another until the test ends.
    const loop = async (next: () => Promise<Answer>) => {
      while (loading) {
        answers.push(await next());
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    load = Promise.all([
      loop(() => timed('token', `${a.url}/token`, { method: 'POST', headers: form, body: `grant_type=client_credentials&${clientAuth}` })),
      loop(() => timed('me', `${b.url}/api/v1/me`, { headers: { cookie: user.cookie } })),
      loop(() => timed('health', `${a.url}/health`)),
    ]).then(() => undefined);
  }, 180_000);

  afterAll(async () => {
    loading = false;
    await load;
    await Promise.all([a?.kill(), b?.kill()]);
    await seed?.stop();
    await pg?.stop();
  }, 30_000);

  const since = (t: number) => answers.filter((x) => x.at >= t);
  const summary = (list: Answer[]) =>
    list.map((x) => `${x.kind} ${x.status} ${x.ms}ms ${String(x.body.error ?? x.body.status ?? x.body.failure ?? '')}`).join('\n');

  it('serves the load while the database is up', async () => {
    const start = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    const seen = since(start);
    for (const kind of ['token', 'me', 'health']) expect(seen.filter((x) => x.kind === kind).length, kind).toBeGreaterThan(0);
    expect(
      seen.filter((x) => x.status !== 200),
      summary(seen),
    ).toEqual([]);
  });

  it('while it is down: /health says so with 503, requests answer 503 quickly with a stable code, none hangs, no 500', async () => {
    await pg.halt();
    const down = Date.now();
    await new Promise((r) => setTimeout(r, 4000));
    const seen = since(down);
    const health = await timed('health', `${a.url}/health`);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unhealthy', database: 'unreachable' });

    const token = await timed('token', `${a.url}/token`, {
      method: 'POST',
      headers: form,
      body: `grant_type=client_credentials&${clientAuth}`,
    });
    expect(token.status).toBe(503);
    expect(token.body).toMatchObject({ error: 'temporarily_unavailable' });
    const me = await timed('me', `${b.url}/api/v1/me`, { headers: { cookie: user.cookie } });
    expect(me.status).toBe(503);
    expect(me.body).toMatchObject({ error: 'ERR_DATABASE_UNAVAILABLE' });

    const all = [...seen, health, token, me];
    for (const kind of ['token', 'me', 'health'])
      expect(all.filter((x) => x.kind === kind && x.status === 503).length, kind).toBeGreaterThan(0);
    // every answer came within the bound; none was a 500 or a dropped connection; some in flight at the stop may
    // still have been served
    expect(
      all.filter((x) => x.ms > ANSWER_BOUND_MS || ![200, 503].includes(x.status)),
      summary(all),
    ).toEqual([]);
    for (const x of all.filter((y) => y.status === 503 && y.kind !== 'health'))
      expect(['temporarily_unavailable', 'ERR_DATABASE_UNAVAILABLE'], summary([x])).toContain(x.body.error);
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();

    // an access-log event queued now cannot be written: it is kept for when the database is back
    seed.ctx.audit.enqueue({ action: 'server.started', actor: { type: 'system' }, detail: { probe: PROBE } });
    await seed.ctx.audit.flush();
  }, 30_000);

  it('once it is back: everything answers 2xx again without a restart, a revocation reaches the other instance at once, the access-log event queued while it was down is written', async () => {
    await pg.resume();
    const up = Date.now();
    let recovered = 0;
    while (!recovered && Date.now() - up < 15_000) {
      await new Promise((r) => setTimeout(r, 200));
      const recent = since(Date.now() - 600);
      const ok = ['token', 'me', 'health'].every(
        (k) => recent.some((x) => x.kind === k) && recent.filter((x) => x.kind === k).every((x) => x.status === 200),
      );
      if (ok) recovered = Date.now();
    }
    expect(recovered, summary(since(up))).toBeGreaterThan(0);
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    expect(
      since(up).filter((x) => ![200, 503].includes(x.status) || x.ms > ANSWER_BOUND_MS),
      summary(since(up)),
    ).toEqual([]);

    // LISTEN is re-established (retried every second): once it is, B hears of A's revocation within a second
    await new Promise((r) => setTimeout(r, 2000));
    const issued = await timed('token', `${a.url}/token`, {
      method: 'POST',
      headers: form,
      body: `grant_type=client_credentials&${clientAuth}`,
    });
    expect(issued.status).toBe(200);
    const token = issued.body.access_token as string;
    const active = async (on: GatewayProcess) =>
      (await timed('introspect', `${on.url}/introspect`, { method: 'POST', headers: form, body: `token=${token}&${clientAuth}` })).body
        .active;
    expect(await active(b)).toBe(true); // B verified it (and caches that)
    expect((await timed('revoke', `${a.url}/revoke`, { method: 'POST', headers: form, body: `token=${token}&${clientAuth}` })).status).toBe(
      200,
    );
    const revoked = Date.now();
    let seen = await active(b);
    while (seen && Date.now() - revoked < 3000) {
      await new Promise((r) => setTimeout(r, 25));
      seen = await active(b);
    }
    expect(seen).toBe(false);
    expect(Date.now() - revoked).toBeLessThan(1000);
    expect(`${a.output()}${b.output()}`).not.toContain(token);

    // the event queued while the database was down was written once it was back, once
    const probes = () =>
      seed.ctx.db
        .selectFrom('audit_events')
        .select('id')
        .where('action', '=', 'server.started')
        .where('detail', 'like', `%${PROBE}%`)
        .execute();
    for (let i = 0; i < 50 && (await probes()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await probes()).toHaveLength(1);
  }, 40_000);
});
