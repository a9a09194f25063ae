import { vaultOf } from '../vault/index.js';
import { jwksThumbprints, reportDataOf, type AttestationDocument, type AttestationStatement } from '../client/index.js';
import { buildDigest, type AppContext } from '../kernel/index.js';
import { teeOf } from './tee-of.js';

/** The statement of this gateway now: its issuer, signing keys, vault keys, build and master key, for `nonce`. */
export async function attestationStatement(
  ctx: AppContext,
  masterKey: AttestationStatement['master_key'],
  nonce: string,
  time: number,
): Promise<AttestationStatement> {
  const dataKeys = await vaultOf(ctx).ring.list();
  return {
    version: 1,
    issuer: ctx.config.publicUrl,
    jwks_thumbprints: await jwksThumbprints(ctx.keys.jwks() as Parameters<typeof jwksThumbprints>[0]),
    vault_key_ids: dataKeys
      .filter((k) => k.status !== 'retired')
      .map((k) => k.kid)
      .sort(),
    build_digest: buildDigest(),
    master_key: masterKey,
    nonce,
    time,
  };
}

/**
 * What /.well-known/oauth3-attestation answers: in a TEE, a fresh quote whose report data is reportDataOf(statement),
 * with the statement made now, the event log, the compose hash and the app's ids; outside one, why not.
 */
export async function attestationDocument(
  ctx: AppContext,
  nonce: string,
  time = Math.floor(Date.now() / 1000),
): Promise<AttestationDocument> {
  const tee = teeOf(ctx);
  if (!tee.inTee) return { tee: false, reason: tee.reason };
  const statement = await attestationStatement(ctx, tee.masterKeySource, nonce, time);
  const reportData = reportDataOf(statement);
  const { quote, eventLog } = await tee.agent.quote(reportData);
  return {
    tee: true,
    platform: 'tdx',
    statement,
    report_data: reportData.toString('hex'),
    quote,
    event_log: eventLog,
    compose_hash: tee.agent.identity.composeHash,
    app_id: tee.agent.identity.appId,
    instance_id: tee.agent.identity.instanceId,
  };
}
