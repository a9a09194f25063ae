import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';

describe.each(dialects)('profile and access log on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  const patch = (u: TestUser, body: unknown) =>
    fetch(`${app.url}/api/v1/me`, {
      method: 'PATCH',
      headers: { ...u.headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('updates profile fields, normalises them, and audits the fields changed', async () => {
    const u = await createTestUser(app);
    const res = await patch(u, {
      username: 'Alice',
      email: 'Alice@Example.COM',
      phone: '+1 (415) 555-0123',
      wallet: '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      username: 'Alice',
      email: 'alice@example.com',
      phone: '+14155550123',
      wallet: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    });
    expect((await patch(u, { email: null, username: 'Alice' })).status).toBe(200);
    const log = await (await fetch(`${app.url}/api/v1/me/events?kind=profile`, { headers: { cookie: u.cookie } })).json();
    expect(log.events.map((e: { detail: { fields: string[] } }) => e.detail.fields)).toEqual([
      ['email'],
      ['username', 'email', 'phone', 'wallet'],
    ]);
    expect(log.events[0]).toMatchObject({ kind: 'profile', result: 'success', ip: '127.0.0.1' });
    expect(typeof log.events[0].userAgent).toBe('string');
    expect((await patch(u, { username: 'Alice' })).status).toBe(200); // no change: no event
    const again = await (await fetch(`${app.url}/api/v1/me/events?kind=profile`, { headers: { cookie: u.cookie } })).json();
    expect(again.events).toHaveLength(2);
  });

  it('refuses invalid values with a clear 400 naming the field', async () => {
    const u = await createTestUser(app);
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ email: 'not-an-email' }, 'email', /email address is not valid/],
      [{ email: '<b>x</b>@example.com' }, 'email', /email/],
      [{ phone: '0415 555 0123' }, 'phone', /E\.164/],
      [{ phone: '+0123456789' }, 'phone', /E\.164/],
      [{ wallet: '0x123' }, 'wallet', /40 hexadecimal/],
      [{ wallet: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD' }, 'wallet', /checksum/],
      [{ username: 'x'.repeat(65) }, 'username', /64 characters/],
      [{ username: 'a\u0007b' }, 'username', /control/], // NUL is refused for every route (test/server/http-basics)
    ];
    for (const [body, field, message] of cases) {
      const res = await patch(u, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const json = await res.json();
      expect(json.error).toBe('ERR_VALIDATION');
      expect(json.message).toMatch(message);
      expect(json.details).toEqual({ field });
    }
    expect((await patch(u, { nickname: 'x' })).status).toBe(400);
    expect((await patch(u, { email: 5 })).status).toBe(400);
    // all upper case carries no checksum: accepted and stored checksummed
    const upper = await patch(u, { wallet: '0xFB6916095CA1DF60BB79CE92CE3EA74C37C5D359' });
    expect((await upper.json()).wallet).toBe('0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359');
  });

  it('keeps username (case-insensitive) and email unique', async () => {
    const a = await createTestUser(app);
    const b = await createTestUser(app);
    expect((await patch(a, { username: 'Bob', email: 'bob@example.com' })).status).toBe(200);
    const sameName = await patch(b, { username: 'BOB' });
    expect(sameName.status).toBe(409);
    expect(await sameName.json()).toMatchObject({ error: 'ERR_ACCOUNTS_PROFILE_TAKEN', details: { field: 'username' } });
    expect((await patch(b, { email: 'BOB@example.com' })).status).toBe(409);
    expect((await patch(a, { username: 'bob' })).status).toBe(200); // one's own name, other case
    expect((await patch(a, { email: null })).status).toBe(200);
    expect((await patch(b, { email: 'bob@example.com' })).status).toBe(200); // freed
    // two people taking the same name at the same moment: one wins, the other gets a clear 409
    const [c, d] = await Promise.all([createTestUser(app), createTestUser(app)]);
    const both = await Promise.all([patch(c, { username: `race-${dialect}` }), patch(d, { username: `RACE-${dialect}` })]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it('shows HTML typed into profile fields escaped on the page', async () => {
    const u = await createTestUser(app);
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    expect((await patch(u, { username: evil })).status).toBe(200);
    const html = await (await fetch(`${app.url}/account`, { headers: { cookie: u.cookie } })).text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script>alert(1)&lt;/script>&lt;img src=x onerror=alert(2)>');
    expect(html).toContain('value="&lt;script>alert(1)&lt;/script>&lt;img src=x onerror=alert(2)>"');
  });

  it('saves the profile form and shows a refusal on the page with the typed values', async () => {
    const u = await createTestUser(app);
    const form = (body: string) =>
      fetch(`${app.url}/account/profile`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: u.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${encodeURIComponent(u.csrf)}&${body}`,
      });
    const ok = await form('username=carol&email=&phone=&wallet=');
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/account?ok=saved');
    const bad = await form('username=carol&email=nope&phone=&wallet=');
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('The email address is not valid');
    expect(html).toContain('value="nope"');
    expect(html).toContain('aria-invalid="true"');
  });

  it('pages the access log newest first and filters it by kind', async () => {
    const u = await createTestUser(app);
    for (let i = 0; i < 5; i++) await patch(u, { username: `pager-${dialect}-${i}` });
    const first = await (await fetch(`${app.url}/api/v1/me/events?limit=3`, { headers: { cookie: u.cookie } })).json();
    expect(first.events).toHaveLength(3);
    expect(first.next).toBeTruthy();
    const second = await (
      await fetch(`${app.url}/api/v1/me/events?limit=3&before=${first.next}`, { headers: { cookie: u.cookie } })
    ).json();
    const all = [...first.events, ...second.events];
    expect(all.map((e: { action: string }) => e.action)).toEqual(
      [
        'profile.updated',
        'profile.updated',
        'profile.updated',
        'profile.updated',
        'profile.updated',
        'session.created',
        'account.signed_up',
      ].slice(0, all.length),
    );
    const times = all.map((e: { time: number }) => e.time);
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    const sessions = await (await fetch(`${app.url}/api/v1/me/events?kind=session`, { headers: { cookie: u.cookie } })).json();
    expect(sessions.events.map((e: { action: string }) => e.action)).toEqual(['session.created']);
    expect((await fetch(`${app.url}/api/v1/me/events?limit=0`, { headers: { cookie: u.cookie } })).status).toBe(400);
    const page = await (await fetch(`${app.url}/account/events?kind=sign-up`, { headers: { cookie: u.cookie } })).text();
    expect(page).toContain('data-action="account.signed_up"');
    expect(page).not.toContain('data-action="profile.updated"');
    // someone else's log is not visible
    const other = await createTestUser(app);
    const theirs = await (await fetch(`${app.url}/api/v1/me/events`, { headers: { cookie: other.cookie } })).json();
    expect(theirs.events.every((e: { action: string }) => e.action !== 'profile.updated')).toBe(true);
  });

  it('pages the access log page by 50, with a link to older events', async () => {
    const u = await createTestUser(app);
    for (let i = 0; i < 50; i++) await patch(u, { username: `many-${dialect}-${i}` });
    const first = await (await fetch(`${app.url}/account/events`, { headers: { cookie: u.cookie } })).text();
    expect(first.match(/data-testid="event-row"/g)).toHaveLength(50);
    const older = /href="(\/account\/events\?before=[^"]+)" data-testid="older"/.exec(first);
    expect(older).not.toBeNull();
    const second = await (await fetch(`${app.url}${older![1].replace(/&amp;/g, '&')}`, { headers: { cookie: u.cookie } })).text();
    expect(second.match(/data-testid="event-row"/g)).toHaveLength(2); // session.created and account.signed_up
    expect(second).toContain('data-action="account.signed_up"');
    expect(second).not.toContain('data-testid="older"');
  });

  it('documents the accounts API at /docs (OpenAPI)', async () => {
    const doc = await (await fetch(`${app.url}/docs/json`)).json();
    for (const path of [
      '/api/v1/me',
      '/api/v1/me/passkeys',
      '/api/v1/me/passkeys/{id}',
      '/api/v1/me/sessions',
      '/api/v1/me/sessions/{id}',
      '/api/v1/me/events',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.paths['/api/v1/me'].patch.requestBody).toBeDefined();
    expect(doc.paths['/account']).toBeUndefined();
  });
});
