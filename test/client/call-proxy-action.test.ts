import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callProxyAction,
  HttpError,
  OAuthError,
  parseActionInput,
  TokenError,
  ValidationError,
  type ProxyCallOptions,
} from '../../src/client/index.js';
import { decideApproval } from '../../src/proxy/approvals/index.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { apiTokenOf } from '../support/plugin-call.js';

describe('callProxyAction (the library under oauth3 call) against the echo gateway', () => {
  let gw: EchoGateway;
  let user: TestUser;
  let upstreamToken: string;

  beforeAll(async () => {
    gw = await startEchoGateway('sqlite');
    user = await createTestUser(gw.app);
    upstreamToken = (await connectUpstream(gw.app, user.userId, gw.upstream)).tokens.access_token;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  /** A fetch that adds this bearer and records where it went. */
  const bearerFetch =
    (token: string, sent: string[] = []) =>
    (url: string, init?: RequestInit) => {
      sent.push(url);
      return fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` } });
    };
  const call = (token: string, o: Partial<ProxyCallOptions> = {}) =>
    callProxyAction({ gateway: gw.app.url, plugin: 'echo', action: 'say', input: { text: 'hi' }, fetch: bearerFetch(token), ...o });

  it('returns the action’s result', async () => {
    const token = await apiTokenOf(gw.app, user, ['echo.say']);
    expect(await call(token, { input: { text: 'from the library' } })).toEqual({
      kind: 'result',
      result: { echo: { text: 'from the library' }, path: '/say', authorized: upstreamToken },
    });
  });

  it('throws the gateway’s refusal: a scope the token lacks (403, naming the scope), a bad input (400), no token (401: log in)', async () => {
    const reader = await apiTokenOf(gw.app, user, ['echo.read']);
    const scope = await call(reader).catch((e: unknown) => e);
    expect(scope).toBeInstanceOf(HttpError);
    expect(scope).toMatchObject({ status: 403, reason: 'insufficient_scope' });
    expect((scope as Error).message).toContain('echo.say');
    expect((scope as Error).message).not.toContain('\n');

    const sayer = await apiTokenOf(gw.app, user, ['echo.say']);
    const bad = await call(sayer, { input: { text: 'x', times: 9 } }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400 });
    expect((bad as Error).message).toMatch(/times/);

    const none = await call('o3k_not_a_token').catch((e: unknown) => e);
    expect(none).toBeInstanceOf(TokenError);
    expect(none).toMatchObject({ reason: 'login_required' });
  });

  it('refuses names that are not one path segment, sending nothing', async () => {
    const sent: string[] = [];
    for (const [plugin, action] of [
      ['..', 'say'],
      ['echo', '../../token'],
      ['echo/x', 'say'],
      ['echo', ''],
      ['echo', 'say?x=1'],
    ])
      await expect(
        callProxyAction({ gateway: gw.app.url, plugin: plugin!, action: action!, input: {}, fetch: bearerFetch('t', sent) }),
      ).rejects.toBeInstanceOf(ValidationError);
    expect(sent).toEqual([]);
  });

  it('parseActionInput takes one JSON object and refuses anything else', () => {
    expect(parseActionInput('{"text":"hi"}')).toEqual({ text: 'hi' });
    for (const bad of ['{"text": hi}', '', '[1]', 'null', '"text"', '3']) expect(() => parseActionInput(bad)).toThrow(ValidationError);
  });

  describe('an action the person approves each time', () => {
    const asking = () => apiTokenOf(gw.app, user, ['echo.say'], { actions: { 'echo.say': { ask: true } } });

    it('answers the approval to give (nothing ran); repeated with the approved id, it runs once', async () => {
      const token = await asking();
      const before = gw.echo.requests.length;
      const first = await call(token, { input: { text: 'may I' } });
      if (first.kind !== 'approval') throw new Error(`expected an approval, got ${first.kind}`);
      expect(first.approval.approve_url).toBe(`${gw.app.url}/account/approvals#${first.approval.approval_id}`);
      expect(gw.echo.requests.length).toBe(before);
      await decideApproval(gw.app.ctx, first.approval.approval_id, user.userId, 'approved');
      expect(await call(token, { input: { text: 'may I' }, approvalId: first.approval.approval_id })).toMatchObject({
        kind: 'result',
        result: { echo: { text: 'may I' } },
      });
      // single use; changed arguments are refused too
      await expect(call(token, { input: { text: 'may I' }, approvalId: first.approval.approval_id })).rejects.toBeInstanceOf(HttpError);
      expect(gw.echo.requests.length).toBe(before + 1);
    });

    it('waits on the status URL for the decision: approved runs it, denied is access_denied, and the wait is bounded', async () => {
      const token = await asking();
      const decide = (decision: 'approved' | 'denied') => (asked: { approval_id: string }) =>
        void setTimeout(() => void decideApproval(gw.app.ctx, asked.approval_id, user.userId, decision), 300);
      expect(await call(token, { input: { text: 'wait' }, waitMs: 10_000, pollMs: 100, onApproval: decide('approved') })).toMatchObject({
        kind: 'result',
        result: { echo: { text: 'wait' } },
      });
      const denied = await call(token, { input: { text: 'no' }, waitMs: 10_000, pollMs: 100, onApproval: decide('denied') }).catch(
        (e: unknown) => e,
      );
      expect(denied).toBeInstanceOf(OAuthError);
      expect(denied).toMatchObject({ reason: 'access_denied' });
      const started = Date.now();
      await expect(call(token, { input: { text: 'nobody decides' }, waitMs: 400, pollMs: 100 })).rejects.toMatchObject({
        reason: 'approval_timeout',
      });
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('never sends the bearer to a status URL on another origin', async () => {
      const sent: string[] = [];
      const stranger = async (url: string, init?: RequestInit) => {
        sent.push(url);
        if (url.startsWith(gw.app.url) && init?.method === 'POST')
          return Response.json(
            { approval_id: 'a1', status_url: 'http://127.0.0.2:9/steal', approve_url: `${gw.app.url}/account/approvals#a1` },
            { status: 202 },
          );
        return new Response('{}', { status: 500 });
      };
      await expect(call('t', { fetch: stranger, waitMs: 1000 })).rejects.toThrow(/not on http:\/\/localhost/);
      expect(sent.every((u) => u.startsWith(gw.app.url))).toBe(true);
    });
  });
});
