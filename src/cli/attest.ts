import type { Command } from 'commander';
import { attestGateway, OAuthError, ValidationError, type AttestationCheck } from '../client/index.js';
import { clientAction, EXIT } from './client-action.js';

interface AttestFlags {
  nonce?: string;
  expectBuild?: string;
  expectCompose?: string;
  collateral?: string;
  pccs?: string;
  json?: boolean;
}

const mark: Record<AttestationCheck['outcome'], string> = { pass: 'pass', fail: 'FAIL', info: 'info' };

/**
 * `oauth3 attest URL`: verifies, as anyone can, that the gateway at URL runs in a TEE and which code holds people's
 * credentials (the quote against Intel's collateral, then the statement, nonce, event log, compose hash, live JWKS,
 * build and master key). One line per check and a verdict; exit 0 only when every check passed.
 */
export function attestCommand(program: Command): void {
  program
    .command('attest')
    .description("verify a gateway's TEE attestation: which code holds people's credentials (exit 0 only when every check passes)")
    .argument('<url>', "the gateway's public URL (its OAuth issuer)")
    .option('--nonce <hex>', 'the nonce to send (default: 32 random bytes)')
    .option('--expect-build <digest>', 'the build digest it must run (sha256:…, from `npm run build` of the release)')
    .option('--expect-compose <hash>', 'the compose hash it must run (hex)')
    .option('--collateral <file>', "Intel's collateral for the quote, from a file (offline)")
    .option('--pccs <url>', "a PCCS to fetch Intel's collateral from (default: Intel's PCS)")
    .option('--json', 'print the checks as JSON')
    .action(
      clientAction(async (url: string, o: AttestFlags) => {
        if (!URL.canParse(url)) throw new ValidationError(`Not a URL: ${url}`, { reason: 'invalid_url' });
        if (o.collateral && o.pccs) throw new ValidationError('Give --collateral or --pccs, not both.', { reason: 'invalid_flags' });
        let result;
        try {
          result = await attestGateway(url, {
            nonce: o.nonce,
            expectBuild: o.expectBuild,
            expectCompose: o.expectCompose,
            collateralFile: o.collateral,
            pccsUrl: o.pccs,
          });
        } catch (e) {
          throw new OAuthError(`Could not verify ${url}: ${(e as Error).message}`, { reason: 'attestation_unavailable', cause: e });
        }
        if (o.json) process.stdout.write(`${JSON.stringify({ ok: result.ok, checks: result.checks }, null, 2)}\n`);
        else {
          const width = Math.max(...result.checks.map((c) => c.name.length));
          for (const c of result.checks) process.stdout.write(`${mark[c.outcome]}  ${c.name.padEnd(width)}  ${c.detail}\n`);
          process.stdout.write(result.ok ? `verified: ${url} runs in a verified TEE\n` : `NOT verified: ${url}\n`);
        }
        return result.ok ? EXIT.ok : EXIT.error;
      }),
    );
}
