// The suite's log scan (test/support/log-scan.ts, run by the global setup's teardown after the last test file):
// it finds each kind of secret by shape or from the registry, names the file and line without the secret, leaves
// hashes and ids alone, and fails a run that started gateways but read not one line.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logScanFailure, scanLogDirectory } from '../support/log-scan.js';

const dir = () => mkdtempSync(join(tmpdir(), 'oauth3-scan-test-'));
const line = (msg: string, extra = '') => `{"level":30,"time":1,"pid":1${extra},"msg":${JSON.stringify(msg)}}`;
const opaque = () => randomBytes(32).toString('base64url');

describe('the log scan', () => {
  it('finds every shape of secret and a registered one, naming file and line, never printing the secret', () => {
    const d = dir();
    const secrets = {
      jwt: `eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c3JfMSIsImV4cCI6MX0.${opaque()}${opaque()}`,
      apiToken: `o3p_${opaque()}x1`,
      vaultKey: `o3k_${opaque()}y2`,
      refresh: `rt_${randomBytes(16).toString('hex')}.${opaque()}`,
      bot: `123456789:${randomBytes(27).toString('base64url').slice(0, 35)}`,
      code: opaque(),
      upstream: `up-${randomBytes(12).toString('hex')}`,
    };
    writeFileSync(join(d, 'secrets-1.txt'), `${secrets.upstream}\n`);
    const lines = [
      line('request completed', ',"req":{"url":"/health"}'),
      line(`verify failed for ${secrets.jwt}`),
      line('x', `,"err":{"message":"bad ${secrets.apiToken}"}`),
      line(`key ${secrets.vaultKey}`),
      line('rotated', `,"detail":"${secrets.refresh}"`),
      line(`https://api.telegram.org/bot${secrets.bot}/getMe failed`),
      line('request completed', `,"req":{"url":"/cb?x=${secrets.code}"}`),
      line(`upstream answered for Bearer ${secrets.upstream}`),
    ];
    writeFileSync(join(d, '42.log'), `${lines.join('\n')}\n`);
    const scan = scanLogDirectory(d);
    expect(scan.lines).toBe(8);
    expect(scan.findings.map((f) => [f.line, f.kind])).toEqual([
      [2, 'JWT'],
      [3, 'personal API token or vault API key'],
      [4, 'personal API token or vault API key'],
      [5, 'refresh token'],
      [6, 'Telegram bot token'],
      [7, '256-bit opaque secret'],
      [8, 'a secret a test registered'],
    ]);
    const message = logScanFailure(d, [])!;
    expect(message).toContain(`${join(d, '42.log')}:2: JWT eyJh…sha256:`);
    for (const s of Object.values(secrets)) expect(message).not.toContain(s.slice(8));
  });

  it('leaves hashes, key ids, passkey credential ids and ids alone', () => {
    const d = dir();
    writeFileSync(
      join(d, '1.log'),
      [
        line('x', `,"hash":"${opaque()}"`),
        line('x', `,"kid":"${opaque()}"`),
        line('x', `,"req":{"method":"DELETE","url":"/api/v1/me/passkeys/${opaque()}"}`),
        line('x', `,"id":"usr_${randomBytes(16).toString('hex')}"`),
        line(`digest ${randomBytes(32).toString('hex')}`),
      ].join('\n'),
    );
    expect(scanLogDirectory(d).findings).toEqual([]);
    expect(logScanFailure(d, [])).toBeUndefined();
  });

  it('fails a run whose test files started gateways but left not one log line (a copy that reached nothing)', () => {
    const d = dir();
    const starts = join(d, 'starts.test.ts');
    const unit = join(d, 'unit.test.ts');
    writeFileSync(starts, `import { startTestApp } from '../support/${'test-app'}.js';\n`);
    writeFileSync(unit, 'expect(1).toBe(1);\n');
    expect(logScanFailure(d, [unit])).toBeUndefined(); // a run of unit tests alone logs nothing
    expect(logScanFailure(d, [unit, starts])).toMatch(/not one log line, though 1 test files started gateways/);
    writeFileSync(join(d, '7.log'), `${line('listening')}\n`);
    expect(logScanFailure(d, [unit, starts])).toBeUndefined();
  });
});
