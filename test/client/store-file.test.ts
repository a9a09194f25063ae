import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultStore,
  fileTokenStore,
  isLoginRequired,
  StorageError,
  ValidationError,
  type StoredCredentials,
} from '../../src/client/index.js';

const T0 = Math.floor(Date.now() / 1000); // fixed: a test that takes a second must still compare equal
const creds = (issuer: string, resource?: string): StoredCredentials => ({
  version: 1,
  issuer,
  ...(resource ? { resource } : {}),
  server: { token_endpoint: `${issuer}/token` },
  client: { client_id: 'c1', token_endpoint_auth_method: 'none', registration: 'dcr' },
  access_token: 'secret-access-token',
  token_type: 'Bearer',
  refresh_token: 'secret-refresh-token',
  expires_at: T0 + 3600,
  scope: 'profile',
  obtained_at: T0,
});

const tempDir = async () => join(await mkdtemp(join(tmpdir(), 'oauth3-store-')), 'oauth3');

describe('the file token store', () => {
  it('saves one 0600 file per issuer and resource in a 0700 directory, named readably, and loads it', async () => {
    const dir = await tempDir();
    const a = fileTokenStore({ issuer: 'http://localhost:8000', dir });
    const b = fileTokenStore({ issuer: 'http://localhost:8000', resource: 'http://localhost:8000/mcp', dir });
    await a.save(creds('http://localhost:8000'));
    await b.save(creds('http://localhost:8000', 'http://localhost:8000/mcp'));
    expect(a.location).toMatch(/\/localhost_8000-[0-9a-f]{6}\.json$/);
    expect(a.location).not.toBe(b.location);
    expect((await stat(a.location)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await a.load()).toEqual(creds('http://localhost:8000'));
    expect((await b.load())!.resource).toBe('http://localhost:8000/mcp');
    await a.remove();
    expect(await a.load()).toBeUndefined();
  });

  it('refuses a file others can read, and a directory the group can read, saying how to fix it', async () => {
    const dir = await tempDir();
    const store = fileTokenStore({ issuer: 'https://as.example', dir });
    await store.save(creds('https://as.example'));
    await chmod(store.location, 0o644);
    const e = await store.load().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StorageError);
    expect((e as StorageError).reason).toBe('insecure_store');
    expect((e as Error).message).toContain(`chmod 600 ${store.location}`);
    await chmod(store.location, 0o600);
    await chmod(dir, 0o750);
    const d = await store.load().catch((x: unknown) => x);
    expect((d as Error).message).toContain(`chmod 700 ${dir}`);
    await expect(store.save(creds('https://as.example'))).rejects.toThrow(`chmod 700 ${dir}`);
    await chmod(dir, 0o700);
    expect(await store.load()).toBeDefined();
  });

  it('a broken file is a StorageError naming the path, never its content', async () => {
    const dir = await tempDir();
    const store = fileTokenStore({ issuer: 'https://as.example', dir });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(store.location, '{"access_token": "leaked-secret", ', { mode: 0o600 });
    const e = (await store.load().catch((x: unknown) => x)) as StorageError;
    expect(e).toBeInstanceOf(StorageError);
    expect(e.message).toContain(store.location);
    expect(`${e.message} ${e.detail ?? ''}`).not.toContain('leaked-secret');
    await writeFile(store.location, '{"version": 1, "access_token": "leaked-secret"}', { mode: 0o600 });
    const f = (await store.load().catch((x: unknown) => x)) as StorageError;
    expect(f.reason).toBe('storage_corrupt');
    expect(f.message).not.toContain('leaked-secret');
  });

  it('a save replaces the file atomically: no temp file is left', async () => {
    const dir = await tempDir();
    const store = fileTokenStore({ issuer: 'https://as.example', dir });
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.save({ ...creds('https://as.example'), access_token: `t${i}` })));
    const text = await readFile(store.location, 'utf8');
    expect(JSON.parse(text).access_token).toMatch(/^t\d$/);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).toEqual([store.location.slice(dir.length + 1)]);
  });

  it('steals a stale lock: an old one, and one whose process is gone', async () => {
    const dir = await tempDir();
    const store = fileTokenStore({ issuer: 'https://as.example', dir });
    await store.save(creds('https://as.example'));
    const lock = `${store.location}.lock`;
    await writeFile(lock, JSON.stringify({ pid: process.pid, time: Date.now() - 60_000, nonce: 'old' }));
    expect(await store.withLock(async () => 'ran')).toBe('ran');
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    await writeFile(lock, JSON.stringify({ pid: gone.pid, time: Date.now(), nonce: 'dead' }));
    const t0 = Date.now();
    expect(await store.withLock(async () => 'ran again')).toBe('ran again');
    expect(Date.now() - t0).toBeLessThan(5000);
    await expect(stat(lock)).rejects.toThrow(); // released
  });

  it('waits for a lock a live process holds, and runs when it is released', async () => {
    const dir = await tempDir();
    const store = fileTokenStore({ issuer: 'https://as.example', dir });
    await store.save(creds('https://as.example'));
    const lock = `${store.location}.lock`;
    const holder = spawn('sleep', ['30']);
    await writeFile(lock, JSON.stringify({ pid: holder.pid, time: Date.now(), nonce: 'live' }));
    const { unlink } = await import('node:fs/promises');
    setTimeout(() => void unlink(lock), 1200);
    const t0 = Date.now();
    await store.withLock(async () => {
      expect(JSON.parse(await readFile(lock, 'utf8')).pid).toBe(process.pid); // ours now, not the holder's
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    holder.kill();
    // a live holder that never lets go: the wait ends with a StorageError
    const holder2 = spawn('sleep', ['30']);
    await writeFile(lock, JSON.stringify({ pid: holder2.pid, time: Date.now(), nonce: 'live2' }));
    const short = fileTokenStore({ issuer: 'https://as.example', dir, lock: { waitMs: 300 } });
    await expect(short.withLock(async () => 'never')).rejects.toBeInstanceOf(StorageError);
    holder2.kill();
  });
});

describe('defaultStore: the one stored login the commands use', () => {
  it('the only one; by --server or --resource; none is login_required; several name the options', async () => {
    const dir = await tempDir();
    await expect(defaultStore({ dir })).rejects.toSatisfy(isLoginRequired);
    await fileTokenStore({ issuer: 'https://a.example', dir }).save(creds('https://a.example'));
    expect((await (await defaultStore({ dir })).load())!.issuer).toBe('https://a.example');
    await fileTokenStore({ issuer: 'https://b.example', resource: 'https://b.example/mcp', dir }).save(
      creds('https://b.example', 'https://b.example/mcp'),
    );
    const e = (await defaultStore({ dir }).catch((x: unknown) => x)) as ValidationError;
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toContain('--server https://a.example');
    expect(e.message).toContain('--resource https://b.example/mcp');
    expect((await (await defaultStore({ dir, server: 'https://a.example/' })).load())!.issuer).toBe('https://a.example');
    expect((await (await defaultStore({ dir, resource: 'https://b.example/mcp' })).load())!.issuer).toBe('https://b.example');
    await expect(defaultStore({ dir, server: 'https://c.example' })).rejects.toThrow('oauth3 login --server https://c.example');
  });
});
