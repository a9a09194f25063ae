import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { standInKey, startDstackGuest, type DstackGuest } from '../support/dstack-guest.js';
import { symmetricKey } from '../../src/crypto/index.js';
import { MASTER_KEY_PATH, MASTER_KEY_PURPOSE, teeOf } from '../../src/attestation/index.js';
import { vaultOf } from '../../src/vault/index.js';
import { KEY_PROVIDER } from '../vault/keys-seed.js';
import { startBanner, startNotice } from '../../src/server/start-notice.js';

const reader = { server: 'apikey:tee-test' };

/** A gateway on `db` in the stand-in's TEE: no master key configured, the guest agent named by OAUTH3_DSTACK_ENDPOINT. */
const inTee = (guest: DstackGuest, db: { dataDir: string; databaseUrl?: string }) =>
  startTestApp('sqlite', { ...db, masterKey: undefined, providers: [KEY_PROVIDER] }, [], undefined, {
    OAUTH3_DSTACK_ENDPOINT: guest.socket,
  });

const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'started',
    (e: unknown) => (e as Error).message,
  );

describe.each(dialects)('the master key derived in a TEE (stand-in guest agent) on %s', (dialect) => {
  let guest: DstackGuest;
  let db: { dataDir: string; databaseUrl?: string };
  let app: TestApp;
  let userId: string;
  beforeAll(async () => {
    guest = await startDstackGuest();
    db = await freshDatabase(dialect);
    app = await inTee(guest, db);
  });
  afterAll(async () => {
    await app?.stop();
    await guest?.close();
  });

  it('auto-detects the guest agent (OAUTH3_DSTACK_ENDPOINT) and derives the master key at its fixed path, under the app identity', async () => {
    const tee = teeOf(app.ctx);
    expect(tee.inTee).toBe(true);
    expect(tee.inTee && tee.masterKeySource).toBe('tee');
    expect(app.config.masterKey).toBeUndefined();
    const expected = symmetricKey(standInKey(guest.rootSecret, guest.appId, MASTER_KEY_PATH, MASTER_KEY_PURPOSE));
    expect(app.ctx.masterKey.id).toBe(expected.id);
    expect(guest.calls).toContain('/GetKey');
    const health = await (await fetch(`${app.url}/health`)).json();
    expect(health).toMatchObject({ status: 'healthy', tee: true });
  });

  it('writes no key file, and the start notice says the key was derived in the TEE', async () => {
    expect(existsSync(join(db.dataDir, 'master.key'))).toBe(false);
    const notice = await startNotice(app.ctx, app.url);
    expect(notice.masterKey).toBe('tee');
    expect(startBanner(notice)).toContain('  master key  derived in the TEE (nobody holds it)');
  });

  it('the same identity and path give the same key after a restart (of the gateway and the agent): the vault opens what it stored', async () => {
    ({ userId } = await createTestUser(app));
    await vaultOf(app.ctx).store({
      userId,
      provider: KEY_PROVIDER.id,
      account: null,
      scopes: '',
      secret: { kind: 'key', values: { api_key: 'sealed-in-the-tee' } },
      expiresAt: null,
    });
    const firstKey = app.ctx.masterKey.id;
    await app.stop();
    await guest.close();
    guest = await startDstackGuest({ rootSecret: guest.rootSecret, appId: guest.appId }); // another instance of the same app
    app = await inTee(guest, db);
    expect(app.ctx.masterKey.id).toBe(firstKey);
    expect((await vaultOf(app.ctx).credentialFor(userId, KEY_PROVIDER.id, reader)).values?.api_key).toBe('sealed-in-the-tee');
  });

  it('another app identity derives another key, and the start fails naming the master key the data needs', async () => {
    const other = await startDstackGuest({ appId: 'b'.repeat(40) });
    try {
      const otherKey = symmetricKey(standInKey(other.rootSecret, other.appId, MASTER_KEY_PATH, MASTER_KEY_PURPOSE));
      expect(otherKey.id).not.toBe(app.ctx.masterKey.id);
      const message = await failure(inTee(other, db));
      expect(message).toMatch(
        new RegExp(`under master key ${app.ctx.masterKey.id}, but the master key this TEE derives is ${otherKey.id}`),
      );
      // In a TEE a configured key is refused: the advice is how to move the data in, not "set OAUTH3_MASTER_KEY".
      expect(message).toContain('sealed under another key (another app identity or build, or data from outside the TEE)');
      expect(message).toContain(
        'the old key as OAUTH3_MASTER_KEY_PREVIOUS and OAUTH3_TEE_ALLOW_CONFIGURED_MASTER_KEY=true, run `oauth3 master-key rewrap`',
      );
      expect(message).not.toMatch(/set OAUTH3_MASTER_KEY to/);
    } finally {
      await other.close();
    }
  });
});

describe('a configured master key in a TEE', () => {
  let guest: DstackGuest;
  beforeAll(async () => {
    guest = await startDstackGuest();
  });
  afterAll(async () => {
    await guest?.close();
  });

  it('OAUTH3_MASTER_KEY is refused, naming the option that allows it', async () => {
    const message = await failure(
      startTestApp('sqlite', { masterKey: randomBytes(32).toString('base64url') }, [], undefined, { OAUTH3_DSTACK_ENDPOINT: guest.socket }),
    );
    expect(message).toMatch(/^OAUTH3_MASTER_KEY: refused in a TEE.*OAUTH3_TEE_ALLOW_CONFIGURED_MASTER_KEY=true/);
  });

  it('OAUTH3_MASTER_KEY_PREVIOUS (a key the operator holds) is refused too', async () => {
    const message = await failure(
      startTestApp('sqlite', { masterKey: undefined, masterKeyPrevious: randomBytes(32).toString('base64url') }, [], undefined, {
        OAUTH3_DSTACK_ENDPOINT: guest.socket,
      }),
    );
    expect(message).toMatch(/^OAUTH3_MASTER_KEY_PREVIOUS: refused in a TEE/);
  });

  it('with OAUTH3_TEE_ALLOW_CONFIGURED_MASTER_KEY=true it is used, and the attestation says master_key "configured"', async () => {
    const configured = randomBytes(32).toString('base64url');
    const app = await startTestApp('sqlite', { masterKey: configured }, [], undefined, {
      OAUTH3_DSTACK_ENDPOINT: guest.socket,
      OAUTH3_TEE_ALLOW_CONFIGURED_MASTER_KEY: 'true',
    });
    try {
      expect(app.ctx.masterKey.id).toBe(symmetricKey(Buffer.from(configured, 'base64url')).id);
      const doc = await (await fetch(`${app.url}/.well-known/oauth3-attestation`)).json();
      expect(doc).toMatchObject({ tee: true, statement: { master_key: 'configured' } });
    } finally {
      await app.stop();
    }
  });
});

describe('OAUTH3_TEE', () => {
  it('dstack: the start fails when no guest agent socket exists', async () => {
    const message = await failure(startTestApp('sqlite', { tee: 'dstack' }));
    expect(message).toMatch(/^OAUTH3_TEE=dstack: there is no dstack guest agent socket at \/var\/run\/dstack.sock/);
  });

  it.each(['auto', 'dstack'] as const)(
    '%s: a guest agent that does not answer stops the start (no fall back to a configured key)',
    async (tee) => {
      const guest = await startDstackGuest();
      await guest.close(); // the socket is gone
      const message = await failure(startTestApp('sqlite', { tee, masterKey: undefined, dstackEndpoint: guest.socket }));
      expect(message).toMatch(new RegExp(`^OAUTH3_TEE=${tee}: the dstack guest agent at ${guest.socket} does not answer .*OAUTH3_TEE=off`));
    },
  );

  it('off: the guest agent is not used, even when it answers', async () => {
    const guest = await startDstackGuest();
    const app = await startTestApp('sqlite', { tee: 'off', dstackEndpoint: guest.socket });
    try {
      expect(teeOf(app.ctx)).toEqual({ inTee: false, reason: 'OAUTH3_TEE=off: this gateway does not use a TEE' });
      expect(guest.calls).toEqual([]);
      expect(app.ctx.masterKey.id).toBe(symmetricKey(Buffer.from(app.config.masterKey!, 'base64url')).id);
    } finally {
      await app.stop();
      await guest.close();
    }
  });
});
