import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

/** How the fake deployment is broken (none: a correct one). */
type Fault = 'none' | 'wrong-issuer' | 'no-s256' | 'resource-mismatch' | 'no-challenge' | 'no-iss' | 'cimd-accepts-private';
let fault: Fault = 'none';
let server: Server;
let base: string;

/**
 * A small MCP deployment on loopback, correct unless `fault` says otherwise: /mcp answers 401 with its
 * resource_metadata, RFC 9728 and RFC 8414 metadata, DCR at /register, /authorize refusing every CIMD client.
 */
function handle(url: string): { status: number; headers?: Record<string, string>; body?: unknown } {
  const path = new URL(url, base).pathname;
  if (path === '/mcp') {
    return fault === 'no-challenge'
      ? { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }
      : { status: 401, headers: { 'www-authenticate': `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"` } };
  }
  if (path === '/.well-known/oauth-protected-resource/mcp') {
    return {
      status: 200,
      body: { resource: fault === 'resource-mismatch' ? `${base}/other` : `${base}/mcp`, authorization_servers: [base] },
    };
  }
  if (path === '/.well-known/oauth-authorization-server') {
    return {
      status: 200,
      body: {
        issuer: fault === 'wrong-issuer' ? 'https://somewhere-else.example' : base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        registration_endpoint: `${base}/register`,
        code_challenge_methods_supported: fault === 'no-s256' ? ['plain'] : ['S256'],
        ...(fault === 'no-iss' ? {} : { authorization_response_iss_parameter_supported: true }),
        client_id_metadata_document_supported: true,
      },
    };
  }
  if (path === '/register')
    return {
      status: 201,
      body: { client_id: 'throwaway', redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none' },
    };
  if (path === '/authorize')
    return fault === 'cimd-accepts-private'
      ? { status: 302, headers: { location: '/login' } }
      : { status: 400, body: { error: 'invalid_client' } };
  return { status: 404, body: { error: 'not_found' } };
}

let env: Record<string, string>;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const r = handle(req.url ?? '/');
    res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
    res.end(r.body === undefined ? '' : JSON.stringify(r.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const home = mkdtempSync(join(tmpdir(), 'oauth3-doctor-'));
  env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function doctor() {
  const r = await runCli(['doctor', `${base}/mcp`, '--json'], env);
  return { code: r.code, out: JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ name: string; status: string; detail: string }> } };
}

describe('oauth3 doctor against a deliberately misconfigured server', () => {
  it('the correct deployment passes (the control): exit 0, only the aud check skipped', async () => {
    fault = 'none';
    const { code, out } = await doctor();
    expect(out.checks.filter((c) => c.status !== 'pass').map((c) => `${c.status} ${c.name}`)).toEqual(['skip audience']);
    expect(out.ok).toBe(true);
    expect(code).toBe(0);
  });

  it.each([
    ['wrong-issuer', 'issuer', 'names the issuer "https://somewhere-else.example"'],
    ['no-s256', 'pkce', 'does not list S256 (plain)'],
    ['resource-mismatch', 'resource-metadata', `names the resource "${'BASE'}/other"`],
    ['no-challenge', 'challenge', 'answered 401 without WWW-Authenticate: Bearer resource_metadata'],
    ['no-iss', 'iss-parameter', 'authorization_response_iss_parameter_supported is not true'],
    ['cimd-accepts-private', 'cimd-private-addresses', 'did not refuse a client_id URL on 127.0.0.1 (302)'],
  ] as const)('%s: the %s check fails, saying why, and the exit code is 1', async (f, check, why) => {
    fault = f;
    const { code, out } = await doctor();
    const failed = out.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.name)).toContain(check);
    expect(failed.find((c) => c.name === check)!.detail).toContain(why.replace('BASE', base));
    expect(out.ok).toBe(false);
    expect(code).toBe(1);
  });

  it('the text form names the failing check on its line and in the verdict', async () => {
    fault = 'no-s256';
    const r = await runCli(['doctor', `${base}/mcp`], env);
    expect(r.stdout).toMatch(/^FAIL\s+pkce\s+code_challenge_methods_supported does not list S256/m);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(`NOT ok: ${base}/mcp fails pkce`);
    expect(r.code).toBe(1);
  });

  it('nothing listening: every check that needs the server fails or is skipped, exit 1', async () => {
    const r = await runCli(['doctor', 'http://127.0.0.1:9/mcp'], env);
    expect(r.stdout).toMatch(/^FAIL\s+challenge\s+could not reach/m);
    expect(r.code).toBe(1);
  });

  it('bad input is refused before any request, in one line: not a URL, plain http off loopback, an id without a secret', async () => {
    for (const [args, message] of [
      [['not a url'], 'is not a URL'],
      [['http://example.com/mcp'], 'is not https'],
      [[`${base}/mcp`, '--client-id', 'x'], '--client-id needs --client-secret'],
    ] as const) {
      const r = await runCli(['doctor', ...args], env);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
    }
  });
});
