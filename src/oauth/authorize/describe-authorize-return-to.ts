import type { AppContext, PendingApp } from '../../kernel/index.js';
import { publicPath } from '../../kernel/index.js';
import { findClient } from '../clients/find-client.js';
import { isMetadataClientId } from '../cimd/resolve-client.js';
import { selfRegistered } from './consent-risks.js';

/**
 * The app a sign-in returns to when `returnTo` is the consent page (`/oauth/authorize/page?client_id=…`): the stored
 * client's name, labelled unverified as consent labels it; for a metadata-document client_id not fetched yet, its
 * host (unverified). Reads only what is stored: a sign-in page never fetches anything. Undefined for any other path
 * or an unknown client.
 */
export async function describeAuthorizeReturnTo(ctx: AppContext, returnTo: string): Promise<PendingApp | undefined> {
  const base = new URL(ctx.config.publicUrl);
  let url: URL;
  try {
    url = new URL(returnTo, base);
  } catch {
    return undefined;
  }
  if (url.origin !== base.origin || url.pathname !== `${publicPath(ctx.config.publicUrl)}/oauth/authorize/page`) return undefined;
  const ids = url.searchParams.getAll('client_id');
  if (ids.length !== 1 || !ids[0]) return undefined;
  const client = await findClient(ctx.db, ids[0]);
  if (client) return { name: client.name, verified: !selfRegistered(client) };
  return isMetadataClientId(ctx, ids[0]) ? { name: new URL(ids[0]).host, verified: false } : undefined;
}
