import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import type { TestApp } from '../support/test-app.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { submitForm } from '../support/page-form.js';
import { delegate, postJson, registerAgent } from '../agents/agent-helpers.js';
import { grantPolicy } from '../../src/proxy/policy/index.js';

// A limit on an input field the action does not have would hold for every call (a maximum length) or refuse every
// call (an allow-list) without saying why: it is refused when it is set, on every way a person sets limits.
describe.each(dialects)('a limit binds an action granted and names an input field it has, on %s', (dialect) => {
  let gw: EchoGateway;
  let app: TestApp;
  let user: TestUser;
  let agents = 0;

  beforeAll(async () => {
    gw = await startEchoGateway(dialect);
    app = gw.app;
    user = await createTestUser(app);
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const agent = () => registerAgent(app, user, `fields agent ${dialect} ${++agents}`, ['echo.say', 'echo.read']);
  const delegations = async (agentId: string) =>
    (await app.ctx.db.selectFrom('delegations').select('id').where('agent_id', '=', agentId).execute()).length;
  const policyOf = (key: string, constraints: unknown[]) => ({ actions: { [key]: { constraints } } });

  it('/delegate refuses a maximum length on a field echo.say does not have, naming it and the fields there are; nothing is stored', async () => {
    const a = await agent();
    const typo = await postJson(app, '/delegate', user.headers, {
      agent_id: a.client_id,
      scopes: ['echo.say'],
      policy: policyOf('echo.say', [{ kind: 'max_length', field: 'txt', max: 10 }]),
    });
    expect(typo.status).toBe(400);
    expect(typo.body.error).toBe('ERR_PROXY_POLICY_INVALID');
    expect(typo.body.message).toBe('The policy is not valid: no action of echo.say has input field "txt" (their fields: text, times).');
    expect(await delegations(a.client_id)).toBe(0);
  });

  it('refuses a maximum length on a number field, and an allow-list on a field only one action of the scope has', async () => {
    const a = await agent();
    const onNumber = await postJson(app, '/delegate', user.headers, {
      agent_id: a.client_id,
      scopes: ['echo.say'],
      policy: policyOf('echo.say', [{ kind: 'max_length', field: 'times', max: 2 }]),
    });
    expect(onNumber.status).toBe(400);
    expect(onNumber.body.message).toContain('a maximum length applies to a text field, and "times" of echo.say is integer');
    // echo.say (the scope) binds say (text, times) and swallow (text): an allow-list of times would refuse every swallow
    const notEvery = await postJson(app, '/delegate', user.headers, {
      agent_id: a.client_id,
      scopes: ['echo.say'],
      policy: policyOf('echo.say', [{ kind: 'allow', field: 'times', values: ['1'] }]),
    });
    expect(notEvery.status).toBe(400);
    expect(notEvery.body.message).toContain('"times" is not an input field of every action of echo.say: an allow-list would refuse');
    expect(await delegations(a.client_id)).toBe(0);
    // A field every action of the scope has: an allow-list, and a maximum length
    await delegate(app, user, a.client_id, ['echo.say'], {
      policy: policyOf('echo.say', [{ kind: 'allow', field: 'text', values: ['hi'] }]),
    });
    await delegate(app, user, a.client_id, ['echo.say'], { policy: policyOf('echo.say', [{ kind: 'max_length', field: 'text', max: 5 }]) });
    expect(await delegations(a.client_id)).toBe(2);
  });

  it('refuses a limit on a key that binds nothing granted: a typo, an action of a scope not granted, a scope no action has', async () => {
    const a = await agent();
    for (const key of ['echo.sya', 'echo.fetch']) {
      const res = await postJson(app, '/delegate', user.headers, {
        agent_id: a.client_id,
        scopes: ['echo.say'],
        policy: { actions: { [key]: { rate: { count: 1, per: 'day' } } } },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(`"${key}" is neither an action nor a plugin scope granted here (echo.say)`);
    }
    const token = await postJson(app, '/api/v1/me/tokens', user.headers, {
      name: `no action ${dialect}`,
      scopes: ['echo.say', 'profile'],
      policy: { actions: { profile: { rate: { count: 1, per: 'day' } } } },
    });
    expect(token.body.message).toContain('"profile" is neither an action nor a plugin scope granted here');
    expect(token).toMatchObject({ status: 400, body: { error: 'ERR_PROXY_POLICY_INVALID' } });
    expect(await delegations(a.client_id)).toBe(0);
    // The action's own name and the scope's are both keys that bind
    await delegate(app, user, a.client_id, ['echo.say'], { policy: { actions: { 'echo.swallow': { rate: { count: 1, per: 'day' } } } } });
    await delegate(app, user, a.client_id, ['echo.say'], { policy: { actions: { 'echo.say': { rate: { count: 1, per: 'day' } } } } });
    expect(await delegations(a.client_id)).toBe(2);
  });

  it('refuses a path limit on an action whose input has no path (an API token: nothing is created)', async () => {
    const name = `path limit ${dialect}`;
    const res = await postJson(app, '/api/v1/me/tokens', user.headers, {
      name,
      scopes: ['echo.read'],
      policy: policyOf('echo.fetch', [{ kind: 'path', prefix: '/v1' }]),
    });
    expect(res).toMatchObject({ status: 400, body: { error: 'ERR_PROXY_POLICY_INVALID' } });
    expect(res.body.message).toContain('a path limit on echo.fetch needs an input with a path (its fields: url)');
    expect((await app.ctx.db.selectFrom('api_tokens').select('id').where('name', '=', name).execute()).length).toBe(0);
  });

  it('the API token form refuses a limit on a field the action lacks: the page says which, no token is made', async () => {
    const name = `form limit ${dialect}`;
    const res = await submitForm(app, user, '/account/tokens', [
      ['name', name],
      ['scopes', 'echo.read'],
      ['policy_max_field:echo.fetch', 'body'],
      ['policy_max_length:echo.fetch', '10'],
    ]);
    expect(res.pageStatus).toBe(400);
    expect(res.html).toContain('echo.fetch has no input field &quot;body&quot; (its fields: url)');
    expect(res.html).toContain('value="body"'); // the form is shown again as typed
    expect((await app.ctx.db.selectFrom('api_tokens').select('id').where('name', '=', name).execute()).length).toBe(0);
  });

  it('the edit form of a delegation’s limits refuses a field its actions lack and keeps the limits it had', async () => {
    const a = await agent();
    const before = policyOf('echo.say', [{ kind: 'max_length', field: 'text', max: 5 }]);
    const d = await delegate(app, user, a.client_id, ['echo.say'], { policy: before });
    const res = await submitForm(app, user, `/account/agents/delegations/${d.delegation_id}/policy`, [
      ['policy_allow_field:echo.say', 'chat_id'],
      ['policy_allow_values:echo.say', '1, 2'],
    ]);
    expect(res.pageStatus).toBe(400);
    expect(res.html).toContain('no action of echo.say has input field &quot;chat_id&quot;');
    expect(res.html).toContain('value="1, 2"'); // the form again as it was sent
    expect(await grantPolicy(app.ctx, d.delegation_id)).toEqual(before);
  });

  it('the edit form of a delegation’s limits is per action, and keeps a limit set on a whole scope editable', async () => {
    const a = await agent();
    const d = await delegate(app, user, a.client_id, ['echo.read'], {
      policy: { actions: { 'echo.read': { rate: { count: 2, per: 'day' } } } },
    });
    const page = await fetch(`${app.url}/account/agents/delegations/${d.delegation_id}/policy`, { headers: { cookie: user.cookie } });
    const html = await page.text();
    for (const key of ['echo.fetch', 'echo.note', 'echo.read']) expect(html).toContain(`data-policy-key="${key}"`);
    expect(html).toContain('Every action of Read from the echo upstream');
    const input = (what: string) => new RegExp(`<input[^>]*name="policy_${what}:echo\\.read"[^>]*>`).exec(html)![0];
    expect(input('allow_field')).not.toContain('list='); // no field every action of echo.read has
    expect(input('max_field')).toContain('list='); // its text fields: url, note, header
    const saved = await submitForm(app, user, `/account/agents/delegations/${d.delegation_id}/policy`, [
      ['policy_rate_count:echo.read', '3'],
      ['policy_rate_per:echo.read', 'day'],
      ['policy_max_field:echo.note', 'note'],
      ['policy_max_length:echo.note', '20'],
    ]);
    expect(saved.status).toBe(303);
    expect(await grantPolicy(app.ctx, d.delegation_id)).toEqual({
      actions: {
        'echo.note': { constraints: [{ kind: 'max_length', field: 'note', max: 20 }] },
        'echo.read': { rate: { count: 3, per: 'day' } },
      },
    });
  });

  it('the forms suggest the fields a limit may name: all fields of every action for an allow-list, text fields for a length', async () => {
    const a = await agent();
    const page = await fetch(`${app.url}/account/agents/${a.client_id}/delegate`, { headers: { cookie: user.cookie } });
    const html = await page.text();
    /** The suggestions under one field input of a key's limits (its datalist), or undefined when it has none. */
    const suggested = (what: 'allow_field' | 'max_field', key: string) => {
      const id = new RegExp(`name="policy_${what}:${key.replace('.', '\\.')}"[^>]*list="([^"]+)"`).exec(html)?.[1];
      if (!id) return undefined;
      const options = new RegExp(`<datalist id="${id}">(.*?)</datalist>`).exec(html)![1]!;
      return [...options.matchAll(/value="([^"]+)"/g)].map((m) => m[1]);
    };
    // Per action, as on the other grant forms. echo.say is also the scope of swallow (text), so its limits bind both:
    // an allow-list only on the field both have; a maximum length on text fields (times is a number)
    expect(suggested('allow_field', 'echo.say')).toEqual(['text']);
    expect(suggested('max_field', 'echo.say')).toEqual(['text']);
    expect(suggested('allow_field', 'echo.note')).toEqual(['note', 'header']);
    expect(suggested('max_field', 'echo.fetch')).toEqual(['url']);
  });
});
