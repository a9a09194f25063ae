import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createClient } from '../../src/oauth/index.js';
import { builtinModules } from '../../src/server/index.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { issueAccessToken } from '../support/tokens.js';
import { basic, postForm, register } from './support/oauth-helpers.js';
import { seedRefreshToken } from './support/seed-refresh-token.js';

const NOTES = 'https://notes.example/mcp'; // a config resource naming its introspector
const FILES = 'https://files.example/mcp'; // a stored resource (`oauth3 resource add … --introspector`)

/**
 * RFC 7662 §4: introspection tells that an access token is active, and whose it is, only to its own client or to
 * the resource server registered as the introspector of one of its audiences; everyone else gets `active: false`.
 */
describe.each(dialects)('who may introspect a token (%s)', (dialect) => {
  let app: TestApp;
  type Client = { id: string; secret: string };
  let owner: Client;
  let notesRs: Client;
  let filesRs: Client;
  let stranger: Client;
  let userId: string;

  const confidential = async (name: string, clientId?: string): Promise<Client> => {
    const made = await createClient(app.ctx.db, { name, grantTypes: ['client_credentials'], clientId });
    return { id: made.client.clientId, secret: made.clientSecret! };
  };
  const introspect = async (as: Client, token: string) =>
    (await postForm(`${app.url}/introspect`, { token }, basic(as.id, as.secret))).body as Record<string, unknown>;
  const accessToken = async (audience: string[]) =>
    (await issueAccessToken(app.ctx, { userId, clientId: owner.id, scopes: ['notes.read'], audience, ttl: 60 })).token;

  beforeAll(async () => {
    app = await startTestApp(dialect, {
      resources: [{ url: NOTES, name: 'Notes', scopes: ['notes.read'], introspector: 'notes-rs' }],
    });
    userId = (await createTestUser(app)).userId;
    owner = await confidential('owner');
    notesRs = await confidential('notes server', 'notes-rs');
    filesRs = await confidential('files server');
    stranger = await confidential('another server');
    await app.ctx.db
      .insertInto('oauth_resources')
      .values({ url: FILES, name: 'Files', scope: 'files.read', created_at: Date.now(), introspector: filesRs.id })
      .execute();
    await app.ctx.resources.refresh();
  });
  afterAll(() => app.stop());

  it("describes an access token to its own client and to its audience's introspector", async () => {
    const token = await accessToken([NOTES]);
    const own = await introspect(owner, token);
    expect(own).toMatchObject({ active: true, client_id: owner.id, sub: userId, scope: 'notes.read', aud: NOTES });
    expect(await introspect(notesRs, token)).toEqual(own);
    const files = await accessToken([FILES]);
    expect(await introspect(filesRs, files)).toMatchObject({ active: true, client_id: owner.id, aud: FILES });
    // a token for both: the introspector of either audience may ask
    const both = await accessToken([NOTES, FILES]);
    expect((await introspect(filesRs, both)).active).toBe(true);
    expect((await introspect(notesRs, both)).active).toBe(true);
  });

  it('tells everyone else only active: false: another confidential client, a self-registered one, the introspector of another resource', async () => {
    const token = await accessToken([NOTES]);
    expect(await introspect(stranger, token)).toEqual({ active: false });
    expect(await introspect(filesRs, token)).toEqual({ active: false });
    const dcr = await register(app, { grant_types: ['client_credentials'], client_name: 'curious' });
    expect(await introspect({ id: dcr.client_id, secret: dcr.client_secret }, token)).toEqual({ active: false });
    // a token for the gateway's own API has no introspector: only its own client learns about it
    const gateway = await accessToken([app.url]);
    expect(await introspect(notesRs, gateway)).toEqual({ active: false });
    expect((await introspect(owner, gateway)).active).toBe(true);
  });

  it('describes a refresh token to its own client only, even to the introspector of its resource', async () => {
    const refresh = await seedRefreshToken(app, owner.id, { userId });
    await app.ctx.db.updateTable('oauth_families').set({ resource: NOTES }).where('client_id', '=', owner.id).execute();
    expect(await introspect(owner, refresh)).toMatchObject({ active: true, token_type: 'refresh_token', client_id: owner.id, aud: NOTES });
    expect(await introspect(notesRs, refresh)).toEqual({ active: false });
    expect(await introspect(stranger, refresh)).toEqual({ active: false });
  });
});

describe('OAUTH3_RESOURCES introspector', () => {
  const load = (resources: unknown) =>
    loadConfig(
      { OAUTH3_RESOURCES: JSON.stringify(resources) },
      {},
      builtinModules.map((m) => m.options ?? {}),
    ).resources;

  it('takes a client id, and refuses anything but a non-empty string naming the variable', () => {
    const r = { url: NOTES, name: 'Notes', scopes: ['notes.read'] };
    expect(load([{ ...r, introspector: 'notes-rs' }])[0].introspector).toBe('notes-rs');
    expect(load([r])[0].introspector).toBeUndefined();
    for (const bad of ['', 42, ['notes-rs']]) expect(() => load([{ ...r, introspector: bad }])).toThrow(/OAUTH3_RESOURCES/);
  });
});
