import { resolve } from 'node:path';
import type { AppContext } from '../kernel/index.js';
import { teeOf } from '../attestation/index.js';

/** The message of the start line; on a terminal, human-log.ts shows its fields as a few lines (startBanner). */
export const START_MESSAGE = 'oauth3 gateway listening';

/** What a person starting the gateway needs to know: where to go, and where the data and the key are. */
export interface StartNotice {
  /** The address it listens on. */
  url: string;
  publicUrl: string;
  /** The address to open: the sign-up page while no account exists, else the public URL. */
  open: string;
  /** Whether no account exists yet. */
  firstRun: boolean;
  /** OAUTH3_SIGNUP when it is not open: the first account then needs `oauth3 invite`. */
  signup?: 'invite' | 'closed';
  database: AppContext['dialect'];
  /** The SQLite file, or the PostgreSQL URL without its password. */
  databaseLocation: string;
  /**
   * The master key's file, "OAUTH3_MASTER_KEY" when it comes from the environment, "tee" when the TEE derived it, or
   * "tee+OAUTH3_MASTER_KEY_PREVIOUS" when the TEE derived it and a key the operator holds still opens older data.
   */
  masterKey: string;
  /** Worker processes, when more than one. */
  workers?: number;
}

function masterKeyOf(ctx: AppContext): string {
  const tee = teeOf(ctx);
  // the primary is derived; a previous key the operator set still opens what was sealed before (master_key "configured")
  if (tee.inTee && !ctx.config.masterKey) return ctx.config.masterKeyPrevious ? 'tee+OAUTH3_MASTER_KEY_PREVIOUS' : 'tee';
  return ctx.config.masterKey ? 'OAUTH3_MASTER_KEY' : resolve(ctx.config.dataDir, 'master.key');
}

/** The start notice of the app of `ctx`, listening on `url`. */
export async function startNotice(ctx: AppContext, url: string): Promise<StartNotice> {
  const anyone = await ctx.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  const { publicUrl } = ctx.config;
  return {
    url,
    publicUrl,
    open: anyone ? publicUrl : `${publicUrl}/signup`,
    firstRun: !anyone,
    ...(ctx.config.signup !== 'open' ? { signup: ctx.config.signup } : {}),
    database: ctx.dialect,
    databaseLocation: ctx.dbLocation,
    // The same rule as openTee and loadMasterKey: derived in a TEE, else the variable when set, else the file it generates in embedded mode.
    masterKey: masterKeyOf(ctx),
    ...(ctx.config.workers > 1 ? { workers: ctx.config.workers } : {}),
  };
}

/** The start notice as a person reads it on a terminal: the first line, then one indented line per fact. */
export function startBanner(n: Partial<StartNotice>): string[] {
  const workers = n.workers ? ` (${n.workers} workers)` : '';
  const first = n.signup ? 'no account yet: `oauth3 invite` prints a sign-up link' : 'no account yet: sign up to create the first one';
  return [
    `${START_MESSAGE} on ${n.url}${workers}`,
    `  open        ${n.open}${n.firstRun ? `   (${first})` : ''}`,
    `  database    ${n.databaseLocation} (${n.database === 'postgres' ? 'PostgreSQL' : 'SQLite'})`,
    `  master key  ${
      n.masterKey === 'OAUTH3_MASTER_KEY'
        ? 'from OAUTH3_MASTER_KEY'
        : n.masterKey === 'tee'
          ? 'derived in the TEE (nobody holds it)'
          : n.masterKey === 'tee+OAUTH3_MASTER_KEY_PREVIOUS'
            ? 'derived in the TEE, but OAUTH3_MASTER_KEY_PREVIOUS, which you hold, still opens older data: `oauth3 master-key rewrap`, then remove it'
            : `${n.masterKey} (back it up)`
    }`,
  ];
}
