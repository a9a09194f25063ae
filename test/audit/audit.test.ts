import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { listEvents } from '../../src/audit/index.js';

describe.each(dialects)('audit log on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  it('commits an event with the change it records, and rolls both back together', async () => {
    const event = {
      action: 'keys.rotated',
      actor: { type: 'user' as const, id: 'u-audit' },
      userId: 'u-audit',
      ip: '127.0.0.1',
      userAgent: 'vitest',
      detail: { note: 'kept' },
    } as const;
    await app.ctx.db.transaction().execute(async (trx) => {
      await app.ctx.audit.record(trx, event);
    });
    await expect(
      app.ctx.db.transaction().execute(async (trx) => {
        await app.ctx.audit.record(trx, { ...event, detail: { note: 'rolled back' } });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const { events } = await listEvents(app.ctx.db, app.ctx.registries.eventTypes, { userId: 'u-audit' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'keys.rotated',
      result: 'success',
      ip: '127.0.0.1',
      userAgent: 'vitest',
      detail: { note: 'kept' },
      actor: { type: 'user', id: 'u-audit' },
    });
  });

  it('never stores secret-looking fields of the detail', async () => {
    await app.ctx.db.transaction().execute((trx) =>
      app.ctx.audit.record(trx, {
        action: 'keys.rotated',
        actor: { type: 'system' },
        userId: 'u-secret',
        detail: {
          client_secret: 's3cr3t',
          nested: { access_token: 'tok', refresh_token: 'r' },
          code: 'abc',
          password: 'pw',
          scopes: ['a'],
        },
      }),
    );
    const row = await app.ctx.db.selectFrom('audit_events').select('detail').where('user_id', '=', 'u-secret').executeTakeFirstOrThrow();
    expect(row.detail).not.toMatch(/s3cr3t|"tok"|"abc"|"pw"/);
    expect(JSON.parse(row.detail)).toEqual({
      client_secret: '[redacted]',
      nested: { access_token: '[redacted]', refresh_token: '[redacted]' },
      code: '[redacted]',
      password: '[redacted]',
      scopes: ['a'],
    });
  });

  it('redacts a secret-looking field at any depth, in arrays, and inside objects that are not plain', async () => {
    class Holder {
      api_key = 'k3y-in-a-class';
    }
    let deep: Record<string, unknown> = { access_token: 't0k-deep' };
    for (let i = 0; i < 8; i++) deep = { level: deep };
    await app.ctx.db.transaction().execute((trx) =>
      app.ctx.audit.record(trx, {
        action: 'keys.rotated',
        actor: { type: 'system' },
        userId: 'u-secret-deep',
        detail: { deep, list: [{ password: 'pw-in-a-list' }], holder: new Holder() },
      }),
    );
    const row = await app.ctx.db
      .selectFrom('audit_events')
      .select('detail')
      .where('user_id', '=', 'u-secret-deep')
      .executeTakeFirstOrThrow();
    expect(row.detail).not.toMatch(/t0k-deep|pw-in-a-list|k3y-in-a-class/);
    expect(JSON.parse(row.detail)).toMatchObject({ list: [{ password: '[redacted]' }], holder: { api_key: '[redacted]' } });
    expect(row.detail).toContain('"access_token":"[redacted]"');
  });

  it('batches high-volume events and stores them on flush', async () => {
    for (let i = 0; i < 30; i++)
      app.ctx.audit.enqueue({ action: 'keys.rotated', actor: { type: 'system' }, userId: 'u-batch', detail: { i } });
    await app.ctx.audit.flush();
    const page1 = await listEvents(app.ctx.db, app.ctx.registries.eventTypes, { userId: 'u-batch', limit: 20 });
    expect(page1.events).toHaveLength(20);
    expect(page1.next).toBeDefined();
    const page2 = await listEvents(app.ctx.db, app.ctx.registries.eventTypes, { userId: 'u-batch', limit: 20, before: page1.next });
    expect(page2.events).toHaveLength(10);
    expect(page2.next).toBeUndefined();
    const ids = [...page1.events, ...page2.events].map((e) => e.id);
    expect(new Set(ids).size).toBe(30);
    expect([...ids].sort().reverse()).toEqual(ids); // newest first
  });

  it('filters by kind', async () => {
    const system = await listEvents(app.ctx.db, app.ctx.registries.eventTypes, { userId: 'u-batch', kind: 'system', limit: 5 });
    expect(system.events.length).toBe(5);
    expect(system.events.every((e) => e.kind === 'system')).toBe(true);
    expect((await listEvents(app.ctx.db, app.ctx.registries.eventTypes, { userId: 'u-batch', kind: 'no-such-kind' })).events).toEqual([]);
  });

  it('counts every event in the metrics', async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/oauth3_events_total\{action="keys\.rotated",result="success"\} (\d+)/);
    expect(Number(/oauth3_events_total\{action="keys\.rotated",result="success"\} (\d+)/.exec(text)![1])).toBeGreaterThanOrEqual(32);
  });
});
