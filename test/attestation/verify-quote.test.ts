import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyQuote, QuoteRefused, type Collateral } from '../../src/attestation/index.js';

// Genuine Intel TDX quotes with their collateral (test/fixtures/tdx/README.md says when each verifies).
const dir = new URL('../fixtures/tdx/', import.meta.url); // a copy of ../shared/fixtures/tdx (MIT, from dcap-qvl), so a clone tests alone
const quote = (name: string) => readFileSync(new URL(name, dir));
const collateral = (name: string) => JSON.parse(readFileSync(new URL(`${name}_collateral.json`, dir), 'utf8')) as Collateral;
const at = (iso: string) => Date.parse(iso) / 1000;
const today = Math.floor(Date.now() / 1000);

describe('verifying a TDX quote with Intel collateral', () => {
  it('accepts a genuine quote inside its collateral’s validity, up to date, and reads what it vouches for', () => {
    const r = verifyQuote(quote('tdx_quote'), collateral('tdx_quote'), at('2025-06-25T00:00:00Z'));
    expect(r.tcbStatus).toBe('UpToDate');
    expect(r.mrTd).toMatch(/^[0-9a-f]{96}$/);
    expect(r.rtmr.every((x) => /^[0-9a-f]{96}$/.test(x))).toBe(true);
    expect(r.reportData).toMatch(/^[0-9a-f]{128}$/);
  });

  it('reports the out-of-date platform of the outdated quote', () => {
    expect(() => verifyQuote(quote('tdx_quote_outdated'), collateral('tdx_quote_outdated'), at('2026-02-19T00:00:00Z'))).toThrow(
      /TCB is out of date/,
    );
  });

  it('refuses both quotes today: their collateral has expired', () => {
    for (const name of ['tdx_quote', 'tdx_quote_outdated'])
      expect(() => verifyQuote(quote(name), collateral(name), today)).toThrow(/collateral has expired/);
  });

  it('refuses a quote with any changed byte (header, TD report, signature data, certification data)', () => {
    const good = quote('tdx_quote');
    for (const offset of [0, 8, 100, 200, 568, 631, 700, 1000, 2000, good.length - 100]) {
      const bad = Buffer.from(good);
      bad[offset]! ^= 0x01;
      expect(() => verifyQuote(bad, collateral('tdx_quote'), at('2025-06-25T00:00:00Z')), `byte ${offset}`).toThrow(QuoteRefused);
    }
  });

  it('refuses collateral of another platform', () => {
    expect(() => verifyQuote(quote('tdx_quote'), collateral('tdx_quote_outdated'), at('2026-02-19T00:00:00Z'))).toThrow(QuoteRefused);
  });
});
