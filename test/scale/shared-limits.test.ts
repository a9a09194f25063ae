import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { spawnGateway, type GatewayProcess } from '../support/gateway-process.js';

/** An answer: status, Retry-After and the JSON body. */
interface Answer {
  status: number;
  retryAfter: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  cookies: string[];
}

/** One request over `agent` (a kept-alive socket: in a cluster, always the same worker). */
function send(
  agent: Agent | undefined,
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: o.method ?? 'GET', headers: o.headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* a page */
        }
        const setCookie = res.headers['set-cookie'] ?? [];
        resolve({ status: res.statusCode!, retryAfter: Number(res.headers['retry-after']), body, cookies: setCookie });
      });
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer from ${url} in 15 s`)));
    req.end(o.body);
  });
}

/**
 * Where a request goes: a base URL, the public host a load balancer in front would name (X-Forwarded-Host: pages
 * are otherwise redirected to the public origin) and, in a cluster, the socket pinned to one worker.
 */
interface Target {
  base: string;
  publicHost?: string;
  agent?: Agent;
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const LIMIT = 6;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/**
 * The requests the limits count, each sent from `address` (X-Forwarded-For: the gateways trust it here, so each
 * test is a client address of its own). Sign-in and sign-up options carry the anonymous CSRF cookie and token a
 * browser gets from the page, so they are real, answered requests (200), not refusals.
 */
function clientOf(address: string) {
  const csrf = new Map<string, { cookie: string; token: string }>();
  const page = async (t: Target, path: string) => {
    const key = `${t.base} ${path}`;
    if (!csrf.has(key)) {
      const forwardedHost: Record<string, string> = t.publicHost ? { 'x-forwarded-host': t.publicHost } : {};
      const res = await send(t.agent, `${t.base}${path}`, {
        headers: { accept: 'text/html', 'x-forwarded-for': address, ...forwardedHost },
      });
      expect(res.status, `${t.base}${path}`).toBe(200);
      const token = /<meta name="csrf-token" content="([^"]+)"/.exec(String(res.body))?.[1] ?? '';
      csrf.set(key, { cookie: res.cookies.map((c) => c.split(';')[0]).join('; '), token });
    }
    return csrf.get(key)!;
  };
  return {
    async ceremonyOptions(t: Target, kind: 'signin' | 'signup'): Promise<Answer> {
      const { cookie, token } = await page(t, kind === 'signin' ? '/login' : '/signup');
      return send(t.agent, `${t.base}/api/v1/${kind}/options`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': token, 'content-type': JSON_TYPE, 'x-forwarded-for': address },
        body: '{}',
      });
    },
    register(t: Target): Promise<Answer> {
      return send(t.agent, `${t.base}/register`, {
        method: 'POST',
        headers: { 'content-type': JSON_TYPE, 'x-forwarded-for': address },
        body: JSON.stringify({
          client_name: 'limits',
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'client_secret_basic',
        }),
      });
    },
    token(t: Target, id: string, secret: string): Promise<Answer> {
      return send(t.agent, `${t.base}/token`, {
        method: 'POST',
        headers: { 'content-type': FORM, authorization: basic(id, secret), 'x-forwarded-for': address },
        body: 'grant_type=client_credentials',
      });
    },
  };
}

/** A confidential client_credentials client, registered from an address of its own. */
async function newClient(t: Target, address: string): Promise<{ id: string; secret: string }> {
  const made = await clientOf(address).register(t);
  expect(made.status).toBe(201);
  return { id: made.body.client_id, secret: made.body.client_secret };
}

/** What every limit must show: requests spread round-robin over `targets` get `LIMIT` in all, then 429 everywhere. */
async function limitHoldsInAll(targets: Target[], attempt: (t: Target) => Promise<Answer>, passed: number): Promise<void> {
  for (let i = 0; i < LIMIT; i++) {
    const res = await attempt(targets[i % targets.length]!);
    expect(res.status, `request ${i + 1} (${JSON.stringify(res.body)})`).toBe(passed);
  }
  for (const t of targets) {
    const refused = await attempt(t);
    expect(refused.status, `past the limit, at ${t.base}`).toBe(429);
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
  }
}

/**
 * Issue 19: the global rate limits of sign-in, registration and failed client authentication are one limit for
 * any number of instances on one database: three `oauth3 serve` processes on one PostgreSQL database, requests
 * spread round-robin over them, reach the configured limit in all, not three times it. The same for a cluster
 * (OAUTH3_WORKERS=2) on one SQLite file.
 */
/** The cluster of the second block. */
const startCluster = () =>
  spawnGateway({
    OAUTH3_WORKERS: '2',
    OAUTH3_MASTER_KEY: randomBytes(32).toString('hex'),
    OAUTH3_TRUST_PROXY: 'true',
    OAUTH3_RATE_LIMIT_AUTH: String(LIMIT),
    OAUTH3_OAUTH_CLIENT_AUTH_FAILURES_PER_CLIENT: String(LIMIT),
  });

describe('three instances on one PostgreSQL database share their rate limits', () => {
  const gateways: GatewayProcess[] = [];
  let targets: Target[];
  const WINDOW_S = 6;

  beforeAll(async () => {
    const { databaseUrl } = await freshDatabase('postgres');
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const env = {
      DATABASE_URL: databaseUrl!,
      OAUTH3_MASTER_KEY: randomBytes(32).toString('hex'),
      OAUTH3_PUBLIC_URL: `http://127.0.0.1:${ports[0]}`, // one deployment behind a load balancer
      OAUTH3_TRUST_PROXY: 'true',
      OAUTH3_RATE_LIMIT_AUTH: String(LIMIT),
      OAUTH3_OAUTH_CLIENT_AUTH_FAILURES_PER_CLIENT: String(LIMIT),
      OAUTH3_OAUTH_CLIENT_AUTH_FAILURES_PER_ADDRESS: '4',
      OAUTH3_OAUTH_CLIENT_AUTH_FAILURE_WINDOW: String(WINDOW_S),
    };
    gateways.push(await spawnGateway(env, ports[0])); // the first migrates the database; the others find it done
    gateways.push(...(await Promise.all([spawnGateway(env, ports[1]), spawnGateway(env, ports[2])])));
    targets = gateways.map((g) => ({ base: g.url, publicHost: `127.0.0.1:${ports[0]}` }));
  }, 240_000);
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.kill()));
  });

  it('passkey sign-in options: the limit in all', async () => {
    const c = clientOf('198.51.100.1');
    await limitHoldsInAll(targets, (t) => c.ceremonyOptions(t, 'signin'), 200);
    expect((await c.ceremonyOptions(targets[0]!, 'signin')).body.error).toBe('ERR_RATE_LIMITED');
    // another address is not limited by it
    expect((await clientOf('198.51.100.2').ceremonyOptions(targets[1]!, 'signin')).status).toBe(200);
  });

  it('sign-up options: the limit in all', async () => {
    const c = clientOf('198.51.100.3');
    await limitHoldsInAll(targets, (t) => c.ceremonyOptions(t, 'signup'), 200);
  });

  it('dynamic client registration (POST /register): the limit in all', async () => {
    const c = clientOf('198.51.100.4');
    await limitHoldsInAll(targets, (t) => c.register(t), 201);
  });

  it('failed client authentications of one client: the limit in all; the right secret is refused too, everywhere, until the window ends', async () => {
    const client = await newClient(targets[0]!, '198.51.100.5');
    // each failure from another address: it is the client's count that fills, on three instances
    let n = 0;
    await limitHoldsInAll(targets, (t) => clientOf(`203.0.113.${++n}`).token(t, client.id, 'wrong'), 401);
    for (const t of targets) {
      const refused = await clientOf('203.0.113.100').token(t, client.id, client.secret);
      expect(refused.status, t.base).toBe(429);
      expect(refused.body.error).toBe('too_many_requests');
      expect(refused.retryAfter).toBeLessThanOrEqual(WINDOW_S);
    }
    const wait = (await clientOf('203.0.113.100').token(targets[1]!, client.id, client.secret)).retryAfter;
    await new Promise((r) => setTimeout(r, wait * 1000 + 300));
    expect((await clientOf('203.0.113.100').token(targets[2]!, client.id, client.secret)).status).toBe(200);
  }, 30_000);

  it('an instance that saw none of the failures refuses the address within a second (it learns the full count)', async () => {
    const client = await newClient(targets[1]!, '198.51.100.6');
    const z = clientOf('198.51.100.7');
    // four failures (the per-address limit), all on the first instance, each naming a made-up client
    for (let i = 0; i < 4; i++) expect((await z.token(targets[0]!, `made-up-${i}`, 'guess')).status).toBe(401);
    expect((await z.token(targets[0]!, client.id, client.secret)).status).toBe(429);
    await new Promise((r) => setTimeout(r, 1500)); // the others poll the shared counts every second
    for (const t of targets.slice(1)) expect((await z.token(t, client.id, client.secret)).status, t.base).toBe(429);
    // the client itself is served from another address
    expect((await clientOf('198.51.100.8').token(targets[2]!, client.id, client.secret)).status).toBe(200);
  });
});

describe('a cluster (OAUTH3_WORKERS=2) on one SQLite file shares its rate limits', () => {
  let gateway: GatewayProcess;
  const agents = new Map<number, Agent>();
  let targets: Target[];

  beforeAll(async () => {
    gateway = await startCluster();
    // a kept-alive socket to each worker: new connections until both have answered
    const deadline = Date.now() + 30_000;
    while (agents.size < 2 && Date.now() < deadline) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const worker = (await send(agent, `${gateway.url}/health`)).body.worker as number;
      if (agents.has(worker)) agent.destroy();
      else agents.set(worker, agent);
    }
    expect([...agents.keys()].sort()).toEqual([1, 2]);
    targets = [...agents.values()].map((agent) => ({ base: gateway.url, agent }));
  }, 120_000);
  afterAll(async () => {
    for (const a of agents.values()) a.destroy();
    await gateway.kill();
  });

  it('sign-in options, registration and failed client authentications: the limit in all, not per worker', async () => {
    const c = clientOf('198.51.100.20');
    await limitHoldsInAll(targets, (t) => c.ceremonyOptions(t, 'signin'), 200);
    const r = clientOf('198.51.100.21');
    await limitHoldsInAll(targets, (t) => r.register(t), 201);
    const client = await newClient(targets[0]!, '198.51.100.22');
    let n = 0;
    await limitHoldsInAll(targets, (t) => clientOf(`203.0.113.${200 + ++n}`).token(t, client.id, 'wrong'), 401);
    for (const t of targets) expect((await clientOf('198.51.100.23').token(t, client.id, client.secret)).status).toBe(429);
  });
});
