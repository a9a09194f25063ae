import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, createUser, listSessions, revokeSessions } from '../../src/accounts/index.js';
import { consumeChallenge, storeChallenge } from '../../src/accounts/challenges.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { tokenService } from '../support/tokens.js';

const meta = { ip: '127.0.0.1', userAgent: 'storage-test' };

describe.each(dialects)('accounts storage on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  it('enforces unique user handles, usernames and emails, and allows many unset ones', async () => {
    const { db } = app.ctx;
    const a = await createUser(db);
    await createUser(db);
    await expect(
      createUser(db, {
        webauthnUserId: (await db.selectFrom('users').select('webauthn_user_id').where('id', '=', a.id).executeTakeFirstOrThrow())
          .webauthn_user_id,
      }),
    ).rejects.toThrow();
    const b = await createUser(db);
    await db.updateTable('users').set({ username_key: 'same', email: 'same@example.com' }).where('id', '=', a.id).execute();
    await expect(db.updateTable('users').set({ username_key: 'same' }).where('id', '=', b.id).execute()).rejects.toThrow();
    await expect(db.updateTable('users').set({ email: 'same@example.com' }).where('id', '=', b.id).execute()).rejects.toThrow();
  });

  it('deletes passkeys and sessions with their account (foreign keys)', async () => {
    const { db } = app.ctx;
    const u = await createUser(db);
    await db.transaction().execute((trx) => createSession(app.ctx, trx, { userId: u.id, meta, via: 'test' }));
    await db
      .insertInto('passkeys')
      .values({
        id: `cred-${dialect}`,
        user_id: u.id,
        public_key: 'x',
        counter: 0,
        transports: '[]',
        device_type: 'singleDevice',
        backed_up: 0,
        aaguid: '00000000-0000-0000-0000-000000000000',
        name: 'Passkey',
        created_at: Date.now(),
        last_used_at: null,
      })
      .execute();
    await expect(
      db
        .insertInto('sessions')
        .values({
          id: 'orphan',
          user_id: 'nobody',
          created_at: 0,
          last_seen_at: 0,
          ip: null,
          user_agent: null,
          expires_at: 0,
          revoked_at: null,
        })
        .execute(),
    ).rejects.toThrow();
    await db.deleteFrom('users').where('id', '=', u.id).execute();
    expect(await db.selectFrom('sessions').select('id').where('user_id', '=', u.id).execute()).toEqual([]);
    expect(await db.selectFrom('passkeys').select('id').where('user_id', '=', u.id).execute()).toEqual([]);
  });

  it('hands a challenge out once, even to concurrent takers, and not for another purpose', async () => {
    const { db } = app.ctx;
    await storeChallenge(db, { challenge: `c1-${dialect}`, purpose: 'signin' });
    const takes = await Promise.all([1, 2, 3].map(() => consumeChallenge(db, `c1-${dialect}`, 'signin')));
    expect(takes.filter(Boolean)).toHaveLength(1);
    await storeChallenge(db, { challenge: `c2-${dialect}`, purpose: 'signup', userId: 'u', webauthnUserId: 'h' });
    expect(await consumeChallenge(db, `c2-${dialect}`, 'signin')).toBeUndefined();
    expect(await consumeChallenge(db, `c2-${dialect}`, 'signup')).toBeUndefined(); // gone: the wrong-purpose attempt used it up
  });

  it('lists only live sessions; revoking writes the row, the revocation index and the events together', async () => {
    const { db } = app.ctx;
    const u = await createUser(db);
    const s1 = await db.transaction().execute((trx) => createSession(app.ctx, trx, { userId: u.id, meta, via: 'test' }));
    const s2 = await db.transaction().execute((trx) => createSession(app.ctx, trx, { userId: u.id, meta, via: 'test' }));
    const s3 = await db.transaction().execute((trx) => createSession(app.ctx, trx, { userId: u.id, meta, via: 'test' }));
    await db
      .updateTable('sessions')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', s3.sessionId)
      .execute();
    expect((await listSessions(db, u.id)).map((s) => s.id).sort()).toEqual([s1.sessionId, s2.sessionId].sort());
    expect(await revokeSessions(app.ctx, { userId: u.id, ids: 'others', keep: s1.sessionId, reason: 'test', meta })).toEqual([
      s2.sessionId,
    ]);
    expect(tokenService(app.ctx).revocations.has(s2.sessionId)).toBe(true);
    expect(await db.selectFrom('revoked_tokens').select('token_id').where('token_id', '=', s2.sessionId).execute()).toHaveLength(1);
    const events = await db
      .selectFrom('audit_events')
      .select(['action', 'target_id'])
      .where('user_id', '=', u.id)
      .where('action', '=', 'session.revoked')
      .execute();
    expect(events).toEqual([{ action: 'session.revoked', target_id: s2.sessionId }]);
    expect((await listSessions(db, u.id)).map((s) => s.id)).toEqual([s1.sessionId]);
  });
});
