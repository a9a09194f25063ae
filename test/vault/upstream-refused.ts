import { expect } from 'vitest';
import { UpstreamError } from '../../src/vault/upstream.js';

/** The UpstreamError a vault upstream call failed with (the test fails if it did not fail with one). */
export async function upstreamRefused(p: Promise<unknown>): Promise<UpstreamError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UpstreamError);
  return e as UpstreamError;
}
