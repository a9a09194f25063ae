import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { startDstackGuest, type DstackGuest } from '../support/dstack-guest.js';
import { runCli } from '../support/run-cli.js';

// `oauth3 attest` through the real CLI. A genuine quote cannot come from these machines: the stand-in's quote is
// unsigned, so the shipped verifier must refuse it at the signature and check nothing after it (the binding checks
// are tested on their own in check-binding.test.ts and attestation-endpoint.test.ts).
const collateral = fileURLToPath(new URL('../fixtures/tdx/tdx_quote_collateral.json', import.meta.url));

describe('oauth3 attest', () => {
  let outside: TestApp;
  let guest: DstackGuest;
  let inside: TestApp;
  beforeAll(async () => {
    outside = await startTestApp('sqlite', { tee: 'off' });
    guest = await startDstackGuest();
    inside = await startTestApp('sqlite', { masterKey: undefined, dstackEndpoint: guest.socket });
  });
  afterAll(async () => {
    await inside?.stop();
    await guest?.close();
    await outside?.stop();
  });

  it('says a gateway outside a TEE is not verified, and why (exit 1)', async () => {
    const r = await runCli(['attest', outside.url], {}, 60_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}tee {2}not in a TEE: /m);
    expect(r.stdout).toContain(`NOT verified: ${outside.url}`);
  });

  it('refuses a quote no Intel platform signed, checking nothing after it (exit 1, --json)', async () => {
    const r = await runCli(['attest', inside.url, '--collateral', collateral, '--json'], {}, 60_000);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ name: string; outcome: string; detail: string }> };
    expect(out.ok).toBe(false);
    expect(out.checks).toHaveLength(1);
    expect(out.checks[0]).toMatchObject({ name: 'quote', outcome: 'fail' });
    expect(out.checks[0]!.detail).toMatch(/nothing else was checked/);
  });

  it('refuses bad input before any request: not a URL, a bad nonce, two collateral sources', async () => {
    expect((await runCli(['attest', 'not a url'], {})).stderr).toMatch(/Not a URL/);
    const nonce = await runCli(['attest', outside.url, '--nonce', 'xyz'], {});
    expect(nonce.code).toBe(1);
    expect(nonce.stderr).toMatch(/nonce must be hex/);
    expect((await runCli(['attest', outside.url, '--collateral', collateral, '--pccs', 'https://pccs.example'], {})).stderr).toMatch(
      /not both/,
    );
  });
});
