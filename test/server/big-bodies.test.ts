import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const execFileAsync = promisify(execFile);
const client = fileURLToPath(new URL('./support/post-big-body.mjs', import.meta.url));

/** A 5 MB POST by Node's fetch in another process (see support/post-big-body.mjs): its answer, or its error. */
async function postBigBody(url: string, type: string, how: string): Promise<{ status?: number; body?: any; error?: string }> {
  const { stdout } = await execFileAsync(process.execPath, [client, url, type, how], { timeout: 30_000 });
  return JSON.parse(stdout);
}

/**
 * A body over the limit gets a 413 the client can read, whether it announced its length (Fastify refuses it
 * before reading; the token endpoint's fast lane leaves it to Fastify) or streams it chunked (refused once the
 * limit is crossed): the server reads and discards the rest instead of resetting a client that is still sending.
 */
describe.each(dialects)('big bodies on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  it.each([
    ['/token', 'application/x-www-form-urlencoded', 'invalid_request'],
    ['/register', 'application/json', 'invalid_request'],
    ['/api/v1/signin/options', 'application/json', 'ERR_BODY_TOO_LARGE'],
  ])('answers a 5 MB body to %s with a readable 413, sent with a length, streamed and streamed slowly', async (path, type, error) => {
    for (const how of ['length', 'stream', 'slow']) {
      const answer = await postBigBody(`${app.url}${path}`, type, how);
      expect(answer, how).toMatchObject({ status: 413, body: { error } });
      expect(JSON.stringify(answer.body)).toMatch(/too large/);
    }
    // and the server is fine afterwards
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });

  it('hangs up on a client that keeps sending far past the limit, after answering 413', async () => {
    const { port } = new URL(app.url);
    const announced = 256 * 1024 * 1024;
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => undefined); // the reset is what this test expects
    await new Promise<void>((ok) => socket.once('connect', () => ok()));
    socket.write(`POST /register HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${announced}\r\n\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    let sent = 0;
    let open = true;
    void closed.then(() => (open = false));
    while (open && sent < announced) {
      const flushed = socket.write(chunk);
      sent += chunk.length;
      if (!flushed) await new Promise<void>((ok) => (socket.once('drain', () => ok()), socket.once('close', () => ok())));
    }
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(sent).toBeLessThan(announced / 2); // the server stopped reading long before the announced end
  });
});
