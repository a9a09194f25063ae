import { opt, type OptionSchema, type OptionValues } from '../config/index.js';

/** The attestation's slice of the config: whether the gateway runs in a TEE, and where its guest agent answers. */
export const attestationOptions = {
  tee: opt.enumOf(
    'OAUTH3_TEE',
    'Run in a TEE (Intel TDX through dstack): auto (when the dstack guest agent answers at /var/run/dstack.sock or OAUTH3_DSTACK_ENDPOINT), dstack (required: the start fails if it does not answer) or off (never). In a TEE the master key is derived there and /.well-known/oauth3-attestation answers a quote.',
    'auto',
    ['auto', 'dstack', 'off'] as const,
  ),
  dstackEndpoint: opt.string<string | undefined>(
    'OAUTH3_DSTACK_ENDPOINT',
    "The dstack guest agent's unix socket path or http(s) URL (default /var/run/dstack.sock).",
    undefined,
  ),
  teeAllowConfiguredMasterKey: opt.bool(
    'OAUTH3_TEE_ALLOW_CONFIGURED_MASTER_KEY',
    'In a TEE, use OAUTH3_MASTER_KEY (and OAUTH3_MASTER_KEY_PREVIOUS) rather than refusing to start: the operator then holds the key, and the attestation says master_key "configured".',
    false,
  ),
} satisfies OptionSchema;

declare module '../config/config.js' {
  interface Config extends OptionValues<typeof attestationOptions> {}
}
