import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { attestationErrors } from './attestation-errors.js';
import { attestationDocument } from './attestation-document.js';

/** A verifier's nonce: hex, 1 to 64 bytes (lowercased). */
const NONCE = /^([0-9a-f]{2}){1,64}$/;

const schema = {
  tags: ['attestation'],
  summary: 'Proof of the code that holds the credentials: a fresh TEE quote over the gateway’s statement',
  description:
    'In a TEE (Intel TDX through dstack): a quote made now whose 64-byte report data is SHA-512 of the canonical JSON of `statement` (issuer, RFC 7638 thumbprints of the JWKS keys, the vault’s data-key ids, the build digest, how the master key was had, the nonce, the time), with the event log that replays to the quote’s RTMRs, the compose hash and the app’s ids. Check it with `oauth3 attest URL`. Outside a TEE: `{"tee": false, "reason": …}`. Never cached; rate-limited per IP.',
  querystring: {
    type: 'object',
    properties: { nonce: { type: 'string', description: 'the verifier’s fresh nonce: hex, at most 64 bytes; echoed in the statement' } },
  },
};

/** `GET /.well-known/oauth3-attestation[?nonce=HEX]`: see attestationDocument. */
export async function attestationRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Querystring: { nonce?: string } }>(
    '/.well-known/oauth3-attestation',
    { schema, config: { cors: 'public' } },
    async (req, reply) => {
      const nonce = (req.query.nonce ?? '').toLowerCase();
      if (req.query.nonce !== undefined && !NONCE.test(nonce)) throw new AppError(attestationErrors.ERR_ATTESTATION_BAD_NONCE);
      let doc;
      try {
        doc = await attestationDocument(ctx, nonce);
      } catch (err) {
        if (err instanceof AppError) throw err;
        req.log.error({ err }, 'the TEE did not answer a quote');
        throw new AppError(attestationErrors.ERR_ATTESTATION_UNAVAILABLE);
      }
      return reply.header('cache-control', 'no-store').send(doc);
    },
  );
}
