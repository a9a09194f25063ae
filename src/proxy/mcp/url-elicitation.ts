import type { ElicitRequestURLParams, UrlElicitationRequiredError } from '@modelcontextprotocol/sdk/types.js';
import type { AppContext, Principal } from '../../kernel/index.js';
import { AppError } from '../../errors/index.js';
import { randomId } from '../../crypto/index.js';
import { vaultOf } from '../../vault/index.js';
import { proxyErrors } from '../proxy-errors.js';
import { connectUrl, providerConnectUrl } from '../proxy-credential.js';
import { approvalErrors, approvalUrls, currentStatus, findApproval } from '../approvals/index.js';
import { acceptsUrlElicitation } from './client-capabilities.js';
import { mcpSdk } from './mcp-sdk.js';

/** The refused tool call an elicitation is for: its action (as approvals name it), its title, its vault provider if any. */
export interface RefusedCall {
  plugin: string;
  action: string;
  /** What the person reads: the action's (or tool's) title. */
  title: string;
  /** The vault provider whose connect page to name (the plugin's, or a fronted server's). */
  provider?: string;
}

/**
 * The URL-mode elicitation (MCP 2025-11-25, "Elicitation", URL mode) that answers a refused tool call the person
 * can resolve in their browser, or undefined: a provider not connected (or needing re-authorization) leads to its
 * connect page, with a fresh elicitation id; a call under "ask me each time" to its approval, the elicitation id
 * being the approval id (the retry is the same call again, which finds the approved approval of the same caller,
 * action and arguments). Every URL is built here from the gateway's public URL, never taken from the error: a
 * plugin cannot make the gateway send a person elsewhere. An approval is named only if it is this caller's pending
 * approval of this action.
 */
export async function urlElicitationFor(
  ctx: AppContext,
  principal: Principal,
  call: RefusedCall,
  e: unknown,
): Promise<ElicitRequestURLParams | undefined> {
  if (!(e instanceof AppError)) return undefined;
  const what = call.title;
  let elicitation: ElicitRequestURLParams | undefined;
  if (e.code === proxyErrors.ERR_PROXY_NOT_CONNECTED.code || e.code === proxyErrors.ERR_PROXY_NEEDS_REAUTH.code) {
    const provider = call.provider;
    const again = e.code === proxyErrors.ERR_PROXY_NEEDS_REAUTH.code;
    elicitation = {
      mode: 'url',
      elicitationId: randomId('elc_'),
      url: provider ? providerConnectUrl(ctx, provider) : connectUrl(ctx),
      message: `Connect ${provider ? `your ${providerName(ctx, provider)} account` : 'the account it needs'}${again ? ' again' : ''} to the gateway so your agent can use "${what}". The agent never sees the credential.`,
    };
  } else if (e.code === approvalErrors.ERR_PROXY_APPROVAL_REQUIRED.code) {
    const id = e.details?.approval_id;
    if (typeof id !== 'string') return undefined;
    const row = await findApproval(ctx, id);
    if (
      !row ||
      currentStatus(row) !== 'pending' ||
      row.user_id !== principal.userId ||
      row.token_id !== principal.tokenId ||
      row.chain !== JSON.stringify(principal.chain) ||
      row.plugin !== call.plugin ||
      row.action !== call.action
    )
      return undefined;
    elicitation = {
      mode: 'url',
      elicitationId: id,
      url: approvalUrls(ctx, id).approve_url,
      message: `Your agent asks to run "${what}" once, with the arguments shown on the page. Approve it with your passkey, or deny it.`,
    };
  }
  return elicitation && ownOrigin(ctx, elicitation.url) ? elicitation : undefined;
}

/**
 * The answer of a tool call refused with `e` when the person can resolve it in their browser and the caller's last
 * `initialize` declared `elicitation.url`: the -32042 error carrying the elicitation (see urlElicitationFor), its
 * message the refusal's (which names the URL and how to retry). Undefined otherwise: the caller answers `isError`.
 */
export async function urlElicitationRequired(
  ctx: AppContext,
  principal: Principal,
  call: RefusedCall,
  e: unknown,
): Promise<UrlElicitationRequiredError | undefined> {
  if (!(e instanceof AppError)) return undefined;
  const elicitation = await urlElicitationFor(ctx, principal, call, e);
  if (!elicitation || !(await acceptsUrlElicitation(ctx, principal))) return undefined;
  const error = new (await mcpSdk()).types.UrlElicitationRequiredError([elicitation]);
  // The JSON-RPC message is the refusal's own (the SDK's class prefixes "MCP error -32042: ", which its client adds again)
  error.message = `${e.code}: ${e.message}`;
  return error;
}

/** A provider's display name, or its id. */
function providerName(ctx: AppContext, id: string): string {
  try {
    return vaultOf(ctx).provider(id).name;
  } catch {
    return id;
  }
}

/** Whether a URL is on the gateway's own origin (scheme, host and port of its public URL). */
function ownOrigin(ctx: AppContext, url: string): boolean {
  return URL.canParse(url) && new URL(url).origin === new URL(ctx.config.publicUrl).origin;
}
