import { describe, expect, it } from 'vitest';
import { addressAllowed } from '../../src/kernel/index.js';

describe('CIMD address policy (SSRF)', () => {
  it.each([
    '0.0.0.0',
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.1.1',
    '224.0.0.1',
    '255.255.255.255',
    '240.0.0.1',
    '::',
    '::1',
    'fe80::1',
    'fc00::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::7f00:1',
    '::a9fe:a9fe',
    '::10.0.0.1',
    '64:ff9b::7f00:1',
    '2002:7f00:1::',
    '2001::1',
    '2001:db8::1',
    'not an address',
  ])('refuses %s', (address) => {
    expect(addressAllowed(address, [])).toBe(false);
  });

  it.each(['8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '::808:808'])('allows the public address %s', (address) => {
    expect(addressAllowed(address, [])).toBe(true);
  });

  it('allows a private range only when configured, IPv4-mapped and IPv4-compatible forms included', () => {
    for (const a of ['127.0.0.1', '::ffff:127.0.0.1', '::7f00:1']) expect(addressAllowed(a, ['127.0.0.0/8'])).toBe(true);
    expect(addressAllowed('10.0.0.1', ['127.0.0.0/8', 'not a range'])).toBe(false);
  });
});
