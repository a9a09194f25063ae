import { keccak_256 } from '@noble/hashes/sha3.js';

/** EIP-55 mixed-case checksum form of a 20-byte hex address (given with or without case). */
export function toChecksumAddress(address: string): string {
  const hex = address.slice(2).toLowerCase();
  const hash = Buffer.from(keccak_256(new TextEncoder().encode(hex))).toString('hex');
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(hash[i], 16) >= 8 ? hex[i].toUpperCase() : hex[i];
  return out;
}

/**
 * Checks an EVM address: `0x` + 40 hex digits; when mixed case it must carry a valid EIP-55 checksum (all lower
 * or all upper case carries none). Returns the checksummed form, or an error message.
 */
export function checkWalletAddress(value: string): { ok: true; address: string } | { ok: false; message: string } {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) return { ok: false, message: 'A wallet address is 0x followed by 40 hexadecimal digits.' };
  const body = value.slice(2);
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase();
  const checksummed = toChecksumAddress(value);
  if (mixed && checksummed !== value)
    return { ok: false, message: 'The wallet address checksum (EIP-55 capitalisation) is wrong: check for a typo.' };
  return { ok: true, address: checksummed };
}
