import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/run-cli.js';
import { freePort } from '../support/free-port.js';
import { waitHealthy } from '../support/wait-healthy.js';
import { dialects, freshDatabase } from '../support/databases.js';

interface Answer {
  status: number;
  body: string;
}

/** One request on `agent` (one kept-alive socket: always the same worker). */
function send(agent: Agent, url: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: o.method ?? 'GET', headers: o.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`no answer from ${url} in 5 s`)));
    req.end(o.body);
  });
}

/** The pids of a process's worker children, from /proc (Linux): gateway processes, not tsx's esbuild service. */
function childPids(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return (
          Number(readFileSync(`/proc/${e}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid &&
          readFileSync(`/proc/${e}/cmdline`, 'utf8').includes('src/cli/main.ts')
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.each(dialects)('a cluster of workers (OAUTH3_WORKERS=2) on %s', (dialect) => {
  let child: ChildProcess;
  let url: string;
  let stdout = '';
  const agents = new Map<number, Agent>();
  const spare: Agent[] = [];

  /** A kept-alive connection to each of the workers `ids`: new connections until each has answered (20 s at most). */
  async function pinWorkers(ids: number[]): Promise<void> {
    const deadline = Date.now() + 20_000;
    const seen: string[] = [];
    while (Date.now() < deadline && !ids.every((id) => agents.has(id))) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const res = await send(agent, `${url}/health`).catch((e: Error) => {
        seen.push(e.message);
        return undefined;
      });
      if (!res) continue;
      const worker = JSON.parse(res.body).worker as number;
      seen.push(String(worker));
      if (agents.has(worker)) spare.push(agent);
      else agents.set(worker, agent);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect([...agents.keys()], `answers: ${seen.join(' ')}`).toEqual(expect.arrayContaining(ids));
  }

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const { dataDir, databaseUrl } = await freshDatabase(dialect);
    child = spawnCli(['serve'], {
      OAUTH3_DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      OAUTH3_PORT: String(port),
      OAUTH3_MASTER_KEY: randomBytes(32).toString('hex'),
      OAUTH3_WORKERS: '2',
      // Polling would find a revocation within this long: only the workers telling each other (or, on
      // PostgreSQL, NOTIFY as well) can be in time.
      OAUTH3_REVOCATION_POLL_MS: '600000',
    });
    child.stdout!.on('data', (d) => (stdout += d));
    await waitHealthy(url, 50_000); // a cluster's primary and two workers each load the gateway: slow on a busy machine
    await pinWorkers([1, 2]);
  }, 60_000);

  afterAll(() => {
    for (const a of [...agents.values(), ...spare]) a.destroy();
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('answers on one port from two worker processes', async () => {
    const [one, two] = [agents.get(1)!, agents.get(2)!];
    expect(JSON.parse((await send(one, `${url}/health`)).body)).toMatchObject({ status: 'healthy', worker: 1 });
    expect(JSON.parse((await send(two, `${url}/health`)).body)).toMatchObject({ status: 'healthy', worker: 2 });
    expect(childPids(child.pid!)).toHaveLength(2);
  });

  it('refuses at once, on the other worker, a token revoked through one (no poll could have told it)', async () => {
    const [one, two] = [agents.get(1)!, agents.get(2)!];
    const json = { 'content-type': 'application/json' };
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const reg = await send(one, `${url}/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        client_name: 'cluster',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
      }),
    });
    expect(reg.status).toBe(201);
    const { client_id, client_secret } = JSON.parse(reg.body);
    const auth = `client_id=${encodeURIComponent(client_id)}&client_secret=${encodeURIComponent(client_secret)}`;
    const issued = await send(one, `${url}/token`, { method: 'POST', headers: form, body: `grant_type=client_credentials&${auth}` });
    expect(issued.status).toBe(200);
    const token = JSON.parse(issued.body).access_token as string;
    const introspect = async (agent: Agent) =>
      JSON.parse((await send(agent, `${url}/introspect`, { method: 'POST', headers: form, body: `token=${token}&${auth}` })).body).active;
    expect(await introspect(two)).toBe(true); // worker 2 verified it (and caches that)

    expect((await send(one, `${url}/revoke`, { method: 'POST', headers: form, body: `token=${token}&${auth}` })).status).toBe(200);
    expect(await introspect(one)).toBe(false);
    let seen = await introspect(two);
    for (let i = 0; i < 20 && seen; i++) {
      await new Promise((r) => setTimeout(r, 25));
      seen = await introspect(two);
    } // a message between processes, not a poll
    expect(seen).toBe(false);
  });

  it('serves /metrics from any worker with the requests of every worker', async () => {
    const count = async (agent: Agent) => {
      const text = (await send(agent, `${url}/metrics`)).body;
      return Number(/oauth3_http_requests_total\{method="GET",route="\/health",status="200"\} (\d+)/.exec(text)?.[1]);
    };
    const before = await count(agents.get(1)!);
    for (let i = 0; i < 3; i++) for (const id of [1, 2]) expect((await send(agents.get(id)!, `${url}/health`)).status).toBe(200);
    expect(await count(agents.get(2)!)).toBe(before + 6);
    expect(await count(agents.get(1)!)).toBe(before + 6);
  });

  it('replaces a worker that dies', async () => {
    const [victim] = childPids(child.pid!);
    process.kill(victim, 'SIGKILL');
    for (const a of [...agents.values(), ...spare]) a.destroy();
    agents.clear();
    await pinWorkers([3]); // started a second after the death
    expect(childPids(child.pid!)).toHaveLength(2);
  }, 30_000);

  it('stops every worker on SIGTERM and exits 0, its log whole JSON lines', async () => {
    const workers = childPids(child.pid!);
    for (const a of [...agents.values(), ...spare]) a.destroy();
    // Both workers log at once into the one stdout pipe: 400 requests over 10 connections.
    const many = new Agent({ keepAlive: true, maxSockets: 10 });
    const statuses = await Promise.all(Array.from({ length: 400 }, () => send(many, `${url}/health`).then((r) => r.status)));
    many.destroy();
    expect(statuses.every((st) => st === 200)).toBe(true);
    child.kill('SIGTERM');
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
    const lines = stdout.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const completed = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request completed');
    expect(completed.length).toBeGreaterThanOrEqual(400);
    // The two live workers at least (the one killed lost what it had not flushed yet, as a crash does).
    expect(new Set(completed.map((l) => l.pid)).size).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => l.includes('"msg":"shutting down"'))).toHaveLength(2);
  }, 30_000);
});

describe('a cluster that cannot start', () => {
  it('exits 1 with the reason when its port is taken', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const { code, stderr } = await runCli(['serve'], {
        OAUTH3_DATA_DIR: mkdtempSync(join(tmpdir(), 'oauth3-cluster-')),
        OAUTH3_PORT: String(port),
        OAUTH3_MASTER_KEY: randomBytes(32).toString('hex'),
        OAUTH3_WORKERS: '2',
      });
      expect(code).toBe(1);
      expect(stderr).toContain('EADDRINUSE');
      expect(stderr).toContain('while starting');
    } finally {
      taken.close();
    }
  }, 60_000);
});
