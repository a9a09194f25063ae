import type { AppContext, Principal } from '../kernel/index.js';
import { AppError, InsufficientScope, OAuthError } from '../errors/index.js';
import { expireRejected, markNeedsReauth, vaultOf, type ServedCredential } from '../vault/index.js';
import type { ActionHost, HostedAction } from './hosted-action.js';
import type { UpstreamCredential } from './plugin.js';
import { proxyErrors } from './proxy-errors.js';
import { connectUrl, proxyCredential } from './proxy-credential.js';
import { StreamedAnswer } from './streamed-answer.js';
import { createUpstreamClient } from './upstream-client.js';
import { deadlineSignal } from './deadline-signal.js';
import { enforcePolicy } from './policy/index.js';
import { approvedFor, requireApproval } from './approvals/index.js';

/** One call of an action, as the HTTP route and the MCP tools make it. */
export interface ActionRequest {
  plugin: string;
  action: string;
  /** The verified caller (`ctx.tokens.verify`, for the audience of the route it came through). */
  principal: Principal;
  /** The input as received (validated here). */
  input: unknown;
  /** The caller went away (the request closed). */
  signal?: AbortSignal;
  /**
   * Instead of `signal`: the caller's own controller of this call, aborted when it goes away (the HTTP route). The
   * call's deadline aborts the same controller, so a call follows one AbortSignal, not two (see deadlineSignal).
   */
  controller?: AbortController;
  ip?: string | null;
  /** How it came: `http` (POST /proxy/…) or `mcp` (a tool of /mcp). */
  via?: 'http' | 'mcp';
  /**
   * The caller relays a streamed answer as it arrives (the HTTP route): a StreamedAnswer is returned as is, its audit
   * event written when it ends. Otherwise (MCP, in-process callers) it is read whole (bounded) into one value.
   */
  stream?: boolean;
  /** The approval this call runs under, when the policy asks the person each time (HTTP: the `Approval-Id` header). */
  approvalId?: string;
  /**
   * The account a handler that reaches the vault itself acted with (a fronted MCP server's tool), read for the audit
   * event: proxy.called names it, as it names the account of a plugin's provider, and the vault records no event of its own.
   */
  actedWith?: () => { provider: string; account: string | null } | undefined;
}

/** What the policy decided for one call: the constraints it applied (named, for the audit event) and an approval, if one was needed. */
export interface PolicyOutcome {
  constraints: string[];
  approvalId?: string;
}

/**
 * The policy point (issue 16, H4): called after the scope and the input were checked, before the credential is
 * fetched. Throws to refuse (its error is the answer); returns what it applied. The policy module replaces this
 * no-op: `(ctx, principal, hosted, input) => Promise<PolicyOutcome>`.
 */
export type EnforcePolicy = (ctx: AppContext, principal: Principal, hosted: HostedAction, input: unknown) => Promise<PolicyOutcome>;

/**
 * Performs one action call, the one path every caller takes: resolve (404) → scope (403 insufficient_scope naming
 * it) → input (400 naming the field) → policy → credential (424 not connected / needs re-authorization; 403 for a
 * principal without a person) → the handler with the upstream client → on an upstream 401, one refresh through the
 * vault and one retry, then the connection needs re-authorization (424) → the audit event `proxy.called`, for
 * refusals too (never bodies or credentials). Returns the handler's result.
 */
export async function invokeAction(host: ActionHost, request: ActionRequest): Promise<unknown> {
  const { ctx } = host;
  const { principal } = request;
  const hosted = host.resolve(request.plugin, request.action);
  const started = Date.now();
  const record: CallRecord = { constraints: [], upstreamStatus: null };
  let streamed = false;
  try {
    if (principal.kind === 'session' || !principal.scopes.includes(hosted.action.scope)) {
      const err = new InsufficientScope(`the action ${hosted.qualifiedName} needs the scope ${hosted.action.scope}`);
      err.wwwAuthenticate = { scope: hosted.action.scope };
      throw err;
    }
    const input = hosted.validate(request.input);
    const asked = { principal, plugin: hosted.plugin.plugin.id, action: hosted.action.name, input };
    // A tool call cannot carry the Approval-Id header: the same call again (caller, action, arguments) uses its approval.
    const approvalId = request.approvalId ?? (request.via === 'mcp' ? await approvedFor(ctx, asked) : undefined);
    const policy = await enforcePolicy(ctx, principal, hosted, input, { withApproval: approvalId !== undefined });
    record.constraints = policy.constraints;
    record.approvalRequired = policy.approvalRequired;
    if (policy.approvalRequired) {
      if (principal.userId === null)
        throw new AppError(
          proxyErrors.ERR_PROXY_NO_PERSON,
          `The action ${hosted.qualifiedName} needs a person's approval; this token has no person.`,
        );
      record.approvalId = approvalId; // a refused use names the approval it tried
      try {
        record.approvalId = await requireApproval(ctx, asked, approvalId, { via: request.via });
      } catch (e) {
        // Asked (202): the event names the new approval, so the access log links the ask to the approved call
        if (e instanceof AppError && typeof e.details?.approval_id === 'string') record.approvalId = e.details.approval_id;
        throw e;
      }
    }
    const result = await runWithCredential(host, hosted, request, input, record);
    if (result instanceof StreamedAnswer) {
      // Recorded when the body has ended (relayed, cut, or its reader gone), with the bytes relayed.
      streamed = true;
      result.onEnd((end) => {
        const outcome = end.outcome === 'gone' || callerGone(request) ? 'client_gone' : undefined;
        const ended = { ...record, bytes: end.bytes, ...(outcome ? { outcome } : {}) };
        void audit(ctx, hosted, request, ended, started, end.outcome === 'complete' ? 'success' : 'failure', end.error);
      });
      return request.stream ? result : await result.whole();
    }
    await audit(ctx, hosted, request, record, started, 'success');
    return result;
  } catch (e) {
    if (!streamed) await audit(ctx, hosted, request, record, started, 'failure', e);
    throw e;
  }
}

/** Whether the caller went away: its signal aborted (its own controller: other than by the call's deadline). */
function callerGone(request: ActionRequest): boolean {
  if (!request.controller) return request.signal?.aborted === true;
  const { signal } = request.controller;
  return signal.aborted && (signal.reason as Error | undefined)?.name !== 'TimeoutError';
}

interface CallRecord {
  constraints: string[];
  approvalId?: string;
  /** The policy asks the person each time (the call ran under `approvalId`, or was asked as it: the 202). */
  approvalRequired?: boolean;
  upstreamStatus: number | null;
  /** The host that answered 401 to the credential in this run of the handler. */
  unauthorizedBy?: string;
  /** The person's account the call acted with (its vault use is recorded here, not as vault.token_served). */
  credential?: { provider: string; account: string | null };
  /** A streamed answer's bytes relayed. */
  bytes?: number;
  /** How the call ended, when not as its error says (`client_gone`: the caller left during a streamed answer). */
  outcome?: string;
}

/** The credential, the handler, and the one refresh-and-retry on an upstream 401. */
async function runWithCredential(
  host: ActionHost,
  hosted: HostedAction,
  request: ActionRequest,
  input: unknown,
  record: CallRecord,
): Promise<unknown> {
  const { ctx } = host;
  const provider = hosted.plugin.plugin.provider;
  const userId = request.principal.userId;
  if (provider && userId === null)
    throw new AppError(
      proxyErrors.ERR_PROXY_NO_PERSON,
      `The action ${hosted.qualifiedName} acts with a person's ${provider} account; this token is a client's own (client_credentials) and has none.`,
    );
  for (let attempt = 0; ; attempt++) {
    const served = provider
      ? await proxyCredential(ctx, userId!, provider, {
          principal: request.principal,
          name: `proxy ${request.plugin}.${request.action}`,
          ip: request.ip,
          recordedByCaller: true, // proxy.called names the provider and account: one event per call
        })
      : undefined;
    if (served && provider) record.credential = { provider, account: served.account };
    record.unauthorizedBy = undefined;
    let result: unknown;
    try {
      result = await runHandler(host, hosted, request, input, served, record);
    } catch (e) {
      if (!record.unauthorizedBy) throw e;
    }
    // The upstream refused the credential (even if the handler caught that): refresh once and run again, then give up.
    const refusedBy = record.unauthorizedBy;
    if (!refusedBy || !provider || !served) return result;
    const vault = vaultOf(ctx);
    if (attempt === 0 && (await expireRejected(vault, userId!, served))) continue;
    await markNeedsReauth(vault, userId!, provider, `${refusedBy} answered 401 to the proxy`);
    throw new AppError(
      proxyErrors.ERR_PROXY_NEEDS_REAUTH,
      `${refusedBy} refused the stored ${provider} authorization: the person must connect the account again at ${connectUrl(ctx)}.`,
      { provider, connect_url: connectUrl(ctx) },
    );
  }
}

/** Runs the handler once with an upstream client bound to this credential. */
async function runHandler(
  host: ActionHost,
  hosted: HostedAction,
  request: ActionRequest,
  input: unknown,
  served: ServedCredential | undefined,
  record: CallRecord,
): Promise<unknown> {
  const { ctx } = host;
  const spec = hosted.plugin.plugin;
  const provider = spec.provider ? vaultOf(ctx).provider(spec.provider) : undefined;
  const apiBase = provider?.kind === 'api_key' ? provider.apiBase : undefined;
  const config = host.configOf(hosted.plugin);
  const allowedHosts = typeof spec.upstreamHosts === 'function' ? spec.upstreamHosts({ config, apiBase }) : spec.upstreamHosts;
  const cred: UpstreamCredential | undefined = served
    ? { accessToken: served.accessToken, values: served.values, ...(apiBase ? { apiBase } : {}) }
    : undefined;
  // The call's deadline: every upstream fetch of this run of the handler is bounded by it (none needs its own)
  const { signal, clear } = deadlineSignal(request.controller ?? request.signal, ctx.config.proxyTimeoutMs);
  const upstream = createUpstreamClient({
    dispatchers: host.dispatchers,
    allowedHosts,
    credential: cred,
    injectBearer: provider !== undefined && provider.kind !== 'api_key',
    signal,
    maxResponseBytes: ctx.config.proxyMaxResponseBytes,
    onStatus: (s) => (record.upstreamStatus = s),
    onUnauthorized: (h) => (record.unauthorizedBy = h),
  });
  const fail = (kind: 'refused' | 'failed', message: string): never => {
    throw new AppError(kind === 'refused' ? proxyErrors.ERR_PROXY_UPSTREAM_REFUSED : proxyErrors.ERR_PROXY_UPSTREAM_FAILED, message, {
      plugin: spec.id,
    });
  };
  let result: unknown;
  try {
    result = await hosted.action.handler({
      input,
      principal: request.principal,
      upstream,
      signal,
      config,
      fail,
      constraints: record.constraints,
    });
  } finally {
    // A streamed answer is still being read: the deadline holds until it ends
    if (result instanceof StreamedAnswer) result.onEnd(clear);
    else clear();
  }
  return result;
}

/**
 * The audit event of one call: who, through which agents, what, under which constraints, how it went. Durable
 * before the answer (the person's record of what an agent did must survive a crash a moment later); a streamed
 * answer's is written when its body has ended, after the bytes went out.
 */
function audit(
  ctx: AppContext,
  hosted: HostedAction,
  request: ActionRequest,
  record: CallRecord,
  started: number,
  result: 'success' | 'failure',
  error?: unknown,
): Promise<void> {
  const p = request.principal;
  record.credential ??= request.actedWith?.();
  const outcome =
    record.outcome ??
    (result === 'success' ? 'ok' : error instanceof AppError ? error.code : error instanceof OAuthError ? error.error : 'error');
  return ctx.audit.write({
    action: 'proxy.called',
    result,
    actor: p.clientId ? { type: 'agent', id: p.clientId } : { type: 'user', id: p.userId },
    userId: p.userId,
    target: { type: 'action', id: hosted.qualifiedName },
    ip: request.ip ?? null,
    detail: {
      plugin: hosted.plugin.plugin.id,
      action: hosted.action.name,
      scope: hosted.action.scope,
      principal: p.kind,
      chain: p.chain,
      via: request.via ?? 'http',
      ...(record.credential ? { provider: record.credential.provider, account: record.credential.account } : {}),
      ...(record.constraints.length ? { constraints: record.constraints } : {}),
      ...(record.approvalId ? { approval: record.approvalId } : {}),
      ...(record.approvalRequired ? { approval_required: true } : {}),
      upstream_status: record.upstreamStatus,
      ...(record.bytes !== undefined ? { bytes: record.bytes } : {}),
      latency_ms: Date.now() - started,
      outcome,
    },
  });
}
