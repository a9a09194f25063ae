import type { TeeFact } from '../../kernel/index.js';

/** Where the gateway's attestation is served (root-relative: pages put the public URL's path before it). */
const ATTESTATION_PATH = '/.well-known/oauth3-attestation';

export interface TeeNoticeProps {
  /** `ctx.tee`: undefined outside a TEE, and then nothing is shown. */
  tee: TeeFact | undefined;
  /** The gateway's public URL, for the `oauth3 attest` command shown. */
  publicUrl: string;
}

/**
 * One quiet line on the pages that handle people's accounts (consent, Connections) saying that the gateway runs in
 * a TEE, with a link to its attestation and the command that checks it. With a master key the operator configured
 * it says plainly that the operator holds the key (no claim of verification); outside a TEE it renders nothing.
 */
export function TeeNotice({ tee, publicUrl }: TeeNoticeProps) {
  if (!tee) return null;
  if (tee.masterKeySource === 'configured')
    return (
      <p class="muted tee-notice" data-testid="tee-notice" data-master-key="configured">
        Runs in a TEE ({tee.platform}), but with a master key its operator set: the operator holds the key that seals your connected
        accounts. <a href={ATTESTATION_PATH}>The attestation</a> says so.
      </p>
    );
  return (
    <p class="muted tee-notice" data-testid="tee-notice" data-master-key="tee">
      Runs in a TEE ({tee.platform}): the operator cannot read your connected accounts. Verify it: <code>oauth3 attest {publicUrl}</code>{' '}
      checks{' '}
      <a href={ATTESTATION_PATH} data-testid="tee-attestation">
        its attestation
      </a>
      .
    </p>
  );
}
