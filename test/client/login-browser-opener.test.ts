import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { fileTokenStore } from '../../src/client/index.js';
import { openBrowser } from '../../src/client/login/open-browser.js';
import { launchBrowser } from '../support/browser.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { runCli, spawnCli } from '../support/run-cli.js';
import { collect, gatewayBrowserStep, passkeyPerson, printedLoginUrl } from '../support/cli-login.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SPINNER_FRAME = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

/** A fake `xdg-open` in its own directory (put first on PATH): it records its arguments, NUL-separated. */
async function fakeOpener(dir: string): Promise<{ bin: string; called(): boolean; args(timeoutMs?: number): Promise<string[]> }> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  const file = join(dir, 'opener-args');
  await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\0' "$@" > '${file}.tmp' && mv '${file}.tmp' '${file}'\n`);
  await chmod(join(bin, 'xdg-open'), 0o755);
  return {
    bin,
    called: () => existsSync(file),
    async args(timeoutMs = 30_000) {
      for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(50))
        if (existsSync(file)) return (await readFile(file, 'utf8')).split('\0').slice(0, -1);
      throw new Error('the browser opener was not started');
    },
  };
}

/** Waits until `text()` matches `re`; returns the match and when it matched. */
async function waitFor(text: () => string, re: RegExp, timeoutMs: number): Promise<{ m: RegExpExecArray; at: number }> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(20)) {
    const m = re.exec(text());
    if (m) return { m, at: Date.now() };
  }
  throw new Error(`${re} did not appear in: ${JSON.stringify(text())}`);
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('oauth3 login: the browser opener and the spinner', () => {
  let app: TestApp;
  let browser: Browser;
  let tmp: string;
  let notes: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'oauth3-login-opener-'));
    const port = await freePort();
    notes = `http://localhost:${port}/mcp/notes`;
    app = await startTestApp('sqlite', {
      port,
      resources: [{ url: notes, name: 'Notes', scopes: [{ name: 'notes.read', description: 'Read your notes' }] }],
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('without --no-browser: xdg-open gets exactly the authorization URL as one argument; the login completes, stored 0600', async () => {
    const home = join(tmp, 'opener');
    const opener = await fakeOpener(home);
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), PATH: `${opener.bin}:${process.env.PATH ?? ''}` };
    const person = await passkeyPerson(browser, app.url);
    const child = spawnCli(['login', '--resource', notes, '--timeout', '60'], env);
    const { out, exited } = collect(child);
    const printed = await printedLoginUrl(child);
    const args = await opener.args();
    expect(args).toHaveLength(1);
    expect(args[0]).toBe(printed);
    const url = new URL(args[0]!);
    expect(url.origin + url.pathname).toBe(`${app.url}/authorize`);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(url.searchParams.get('resource')).toBe(notes);
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(out.stderr).toContain(`Opening your browser to log in. If it does not open, visit:\n  ${printed}\n`);

    expect(await gatewayBrowserStep(person.page, url.href)).toBe('Signed in. You can close this tab and return to the terminal.');
    expect(await exited, out.stderr).toBe(0);
    await person.close();
    expect(out.stdout).toContain(`Logged in to ${app.url} for ${notes} as `);
    expect(out.stdout).toContain(person.userId);
    const store = fileTokenStore({ issuer: app.url, resource: notes, dir: join(home, '.config', 'oauth3') });
    expect((await stat(store.location)).mode & 0o777).toBe(0o600);
    expect((await store.load())?.account?.sub).toBe(person.userId);
    // stderr is a pipe here: no spinner
    expect(out.stderr).not.toMatch(SPINNER_FRAME);
    expect(out.stderr).not.toContain('Waiting for the browser');
  });

  it('the opener is started without a shell: ; $(…) and backticks in the URL run nothing (a shell would have run them)', async () => {
    const dir = join(tmp, 'no-shell');
    const opener = await fakeOpener(dir);
    const marks = ['semicolon', 'dollar', 'backtick', 'pipe'].map((m) => join(dir, `ran-${m}`));
    const hostile =
      `http://127.0.0.1:9/authorize?a=1;touch\${IFS}${marks[0]}&b=$(touch\${IFS}${marks[1]})` +
      `&c=\`touch\${IFS}${marks[2]}\`&d=|touch\${IFS}${marks[3]}`;
    // the control: the same command line through a shell runs all of them
    execFileSync('/bin/sh', ['-c', `xdg-open ${hostile}; true`], { env: { ...process.env, PATH: `${opener.bin}:${process.env.PATH}` } });
    await sleep(200);
    expect(marks.map((m) => existsSync(m))).toEqual([true, true, true, true]);
    await Promise.all(marks.map((m) => rm(m)));
    await rm(join(dir, 'opener-args'));

    const path = process.env.PATH;
    process.env.PATH = `${opener.bin}:${path ?? ''}`;
    try {
      expect(await openBrowser(hostile)).toBe(true);
    } finally {
      process.env.PATH = path;
    }
    expect(await opener.args()).toEqual([new URL(hostile).href]);
    expect(new URL(hostile).href).toContain(`;touch\${IFS}`);
    expect(new URL(hostile).href).toContain(`$(touch\${IFS}`);
    await sleep(200);
    expect(marks.filter((m) => existsSync(m))).toEqual([]);
  });

  it('only an http(s) URL is handed to the opener: a file:, javascript: or smb: authorization endpoint is not opened', async () => {
    const dir = join(tmp, 'schemes');
    const opener = await fakeOpener(dir);
    const path = process.env.PATH;
    process.env.PATH = `${opener.bin}:${path ?? ''}`;
    try {
      for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://192.0.2.1/share/x.desktop', '-x', 'not a URL'])
        expect(await openBrowser(url), url).toBe(false);
      await sleep(200);
      expect(opener.called()).toBe(false);
      expect(await openBrowser('https://example.com/authorize?x=1')).toBe(true);
      expect(await opener.args()).toEqual(['https://example.com/authorize?x=1']);
    } finally {
      process.env.PATH = path;
    }
  });

  it('the real CLI against a server whose authorization_endpoint is a file: URL: refused before anything is opened or printed', async () => {
    const home = join(tmp, 'file-endpoint');
    const opener = await fakeOpener(home);
    const server = createServer((req, res) => {
      const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.url !== '/.well-known/oauth-authorization-server') return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `file://${join(home, 'evil.desktop')}`,
          token_endpoint: `${issuer}/token`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
        }),
      );
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await runCli(['login', '--server', issuer, '--client-id', 'cli', '--timeout', '2'], {
        HOME: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        PATH: `${opener.bin}:${process.env.PATH ?? ''}`,
      });
      expect(r.stderr).toMatch(/oauth3: The authorization endpoint of http:\/\/127\.0\.0\.1:\d+ file:\/\/\S+ is not https/);
      expect(r.stderr).not.toContain('visit:');
      expect(r.code).toBe(1);
      expect(opener.called()).toBe(false);
    } finally {
      server.close();
    }
  });

  it('no opener on PATH: openBrowser says so, and the CLI’s printed URL still completes the login', async () => {
    const home = join(tmp, 'no-opener');
    const emptyBin = join(home, 'bin');
    await mkdir(emptyBin, { recursive: true });
    const path = process.env.PATH;
    process.env.PATH = emptyBin;
    try {
      expect(await openBrowser('http://127.0.0.1:9/authorize?x=1')).toBe(false);
    } finally {
      process.env.PATH = path;
    }

    const person = await passkeyPerson(browser, app.url);
    const child = spawnCli(['login', '--server', app.url, '--scope', 'profile', '--timeout', '60'], {
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      PATH: emptyBin,
    });
    const { out, exited } = collect(child);
    const url = await printedLoginUrl(child);
    expect(out.stderr).toContain(`If it does not open, visit:\n  ${url}\n`);
    expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
    await gatewayBrowserStep(person.page, url);
    expect(await exited, out.stderr).toBe(0);
    await person.close();
    const store = fileTokenStore({ issuer: app.url, dir: join(home, '.config', 'oauth3') });
    expect((await stat(store.location)).mode & 0o777).toBe(0o600);
  });

  it('--no-browser without a terminal: the opener is not started, no spinner, the timeout is one line and exit 1', async () => {
    const home = join(tmp, 'no-tty');
    const opener = await fakeOpener(home);
    const child = spawnCli(['login', '--server', app.url, '--no-browser', '--timeout', '2'], {
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      PATH: `${opener.bin}:${process.env.PATH ?? ''}`,
    });
    const { out, exited } = collect(child);
    await printedLoginUrl(child);
    expect(await exited).toBe(1);
    expect(out.stderr).toContain('Open this URL in a browser to log in:\n  ');
    expect(out.stderr).toContain('oauth3: No answer from the browser within 2 s: run oauth3 login again.\n');
    expect(out.stderr).not.toMatch(SPINNER_FRAME);
    expect(out.stderr).not.toContain('Waiting for the browser');
    expect(out.stderr).not.toContain('\x1b');
    expect(opener.called()).toBe(false);
    expect(out.stdout).toBe('');
  });

  it('stderr on a terminal: the spinner counts down, then after about 3 s the timeout, exit 1, the loopback port closed', async () => {
    const home = join(tmp, 'tty');
    await mkdir(home, { recursive: true });
    const stdoutFile = join(home, 'stdout');
    // script(1) runs the CLI on a pseudo-terminal; its stdout goes to a file, so the terminal carries stderr only
    const cmd =
      `exec ${shellQuote(process.execPath)} --import tsx src/cli/main.ts login --server ${shellQuote(app.url)}` +
      ` --no-browser --timeout 3 > ${shellQuote(stdoutFile)}`;
    const started = Date.now();
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), SHELL: '/bin/sh', TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let tty = '';
    child.stdout.on('data', (d) => (tty += d));
    child.stderr.on('data', (d) => (tty += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

    const shown = await waitFor(() => tty, /^\s+(http:\/\/\S+\/authorize\?\S+)\r?$/m, 30_000);
    const port = Number(new URL(new URL(shown.m[1]!).searchParams.get('redirect_uri')!).port);
    // the loopback listener is up while the spinner runs (a wrong state is answered 400)
    expect((await fetch(`http://127.0.0.1:${port}/callback?state=not-this-one`)).status).toBe(400);
    const timedOut = await waitFor(() => tty, /oauth3: No answer from the browser within 3 s: run oauth3 login again\./, 20_000);
    expect(await exited, tty).toBe(1);
    child.stdin.end();

    expect(timedOut.at - shown.at).toBeGreaterThan(2000);
    expect(timedOut.at - shown.at).toBeLessThan(12_000);
    expect(Date.now() - started).toBeGreaterThan(3000);
    const frames = [...tty.matchAll(/\r([⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]) Waiting for the browser \((\d+):(\d\d) left\)… /g)];
    expect(frames.length, tty).toBeGreaterThanOrEqual(10);
    expect(new Set(frames.map((f) => f[1])).size).toBeGreaterThanOrEqual(5);
    const left = frames.map((f) => Number(f[2]) * 60 + Number(f[3]));
    expect(left[0]).toBeLessThanOrEqual(3);
    expect(left.at(-1)).toBeLessThanOrEqual(1);
    expect(left.every((s, i) => i === 0 || s <= left[i - 1]!)).toBe(true);
    // the spinner line is cleared before the error is printed
    expect(tty).toMatch(/… \r\x1b\[Koauth3: No answer from the browser/);
    expect(await readFile(stdoutFile, 'utf8')).toBe('');
    // the loopback port is closed once it gave up
    await expect(fetch(`http://127.0.0.1:${port}/callback`)).rejects.toThrow();
  });
});
