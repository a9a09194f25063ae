import { HttpError, OAuthError, TokenError, ValidationError } from '../client-errors.js';

/** A plugin or action name as the gateway names them: one path segment (no slash, no dot-segment). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** What the gateway answers (202) when the person asked to approve the action each time: nothing ran. */
export interface ApprovalAsked {
  approval_id: string;
  /** Polled with the same bearer: `{ status: pending | approved | denied | used | expired }`. */
  status_url: string;
  /** Where the person approves it with their passkey. */
  approve_url: string;
  expires_at?: string;
}

/** How a proxied call ended (a refusal is thrown). */
export type ProxyCallOutcome =
  /** The action ran: its `result`. */
  | { kind: 'result'; result: unknown }
  /** An http plugin's answer, relayed as the upstream gave it (status and body). */
  | { kind: 'upstream'; status: number; body: string }
  /** The person must approve it first (not waited for): nothing ran. */
  | { kind: 'approval'; approval: ApprovalAsked };

/** One call of `POST /proxy/{plugin}/{action}`. */
export interface ProxyCallOptions {
  /** The gateway's base URL (its issuer). */
  gateway: string;
  plugin: string;
  action: string;
  /** The action's input (see parseActionInput). */
  input: Record<string, unknown>;
  /** A fetch that adds the bearer (createClient's). The bearer only ever goes to the gateway's origin. */
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
  /** Repeat a call the person approved (the `Approval-Id` header). */
  approvalId?: string;
  /** When an approval is asked: wait this long for the person's decision, then call again with it. */
  waitMs?: number;
  /** Told when an approval is asked, before any waiting. */
  onApproval?: (asked: ApprovalAsked) => void;
  /** How often the status URL is asked while waiting (default 2 s). */
  pollMs?: number;
}

type Body = { text: string; json: Record<string, unknown> | undefined };

/** The answer's text and, when it is a JSON object, the object. */
async function bodyOf(res: Response): Promise<Body> {
  const text = await res.text();
  try {
    const json = JSON.parse(text) as unknown;
    return {
      text,
      json: typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined,
    };
  } catch {
    return { text, json: undefined };
  }
}

/** A refusal as the client's error, its message the gateway's on one line; a 401 (after the one refresh) needs a login. */
function refused(res: Response, url: string, body: Body): OAuthError {
  const said = body.json?.message ?? body.json?.error_description ?? body.json?.error;
  const message = typeof said === 'string' && said.trim() ? said.replace(/\s+/g, ' ').trim() : `the gateway answered HTTP ${res.status}`;
  if (res.status === 401)
    return new TokenError(`${message} (run oauth3 login)`, { reason: 'login_required', detail: `HTTP 401 from ${url}` });
  const reason = typeof body.json?.error === 'string' ? body.json.error : 'http_error';
  return new HttpError(message, { reason, status: res.status, url, body: body.text, detail: `HTTP ${res.status} from ${url}` });
}

/** The 202's approval, its status URL on the gateway's own origin (the bearer goes there). */
function approvalOf(body: Body, gateway: URL): ApprovalAsked {
  const a = body.json as Partial<ApprovalAsked> | undefined;
  if (!a || typeof a.approval_id !== 'string' || typeof a.status_url !== 'string' || typeof a.approve_url !== 'string')
    throw new OAuthError('the gateway answered 202 without an approval to wait for', { reason: 'bad_answer' });
  if (new URL(a.status_url, gateway).origin !== gateway.origin)
    throw new OAuthError(`the approval's status URL is not on ${gateway.origin}: it is not asked with the token`, { reason: 'bad_answer' });
  return { ...a, status_url: new URL(a.status_url, gateway).href } as ApprovalAsked;
}

/** Polls the status URL until the person decides, the approval expires, or `ms` pass. */
async function waitForApproval(o: ProxyCallOptions, asked: ApprovalAsked, ms: number): Promise<void> {
  const until = Date.now() + ms;
  const every = o.pollMs ?? 2000;
  for (;;) {
    const res = await o.fetch(asked.status_url, { headers: { accept: 'application/json' } });
    const body = await bodyOf(res);
    if (!res.ok) throw refused(res, asked.status_url, body);
    const status = body.json?.status;
    if (status === 'approved') return;
    if (status === 'denied') throw new OAuthError('the person denied this call: nothing ran', { reason: 'access_denied' });
    if (status === 'expired')
      throw new OAuthError('the approval expired before the person approved it: nothing ran', { reason: 'approval_expired' });
    if (status !== 'pending') throw new OAuthError(`the approval is ${String(status)}: nothing ran`, { reason: 'approval_unusable' });
    if (Date.now() + every > until)
      throw new OAuthError(`stopped waiting: the approval is still pending at ${asked.approve_url}`, { reason: 'approval_timeout' });
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * Calls one action through the gateway's proxy (`POST /proxy/{plugin}/{action}`, issue 16): the result, an http
 * plugin's relayed answer, or the approval the person must give first; with `waitMs`, waits for that approval on
 * its status URL and calls again with it (the action runs once). A refusal throws: HttpError with the gateway's
 * message (403 scope or policy, 429 rate, 424 not connected…), TokenError `login_required` for a 401, OAuthError
 * `access_denied` when the person denies the approval.
 */
export async function callProxyAction(o: ProxyCallOptions): Promise<ProxyCallOutcome> {
  for (const [what, name] of [
    ['plugin', o.plugin],
    ['action', o.action],
  ] as const)
    if (!NAME.test(name) || name.includes('..'))
      throw new ValidationError(`not a ${what} name: ${JSON.stringify(name)}`, { reason: 'invalid_name' });
  const gateway = new URL(o.gateway.endsWith('/') ? o.gateway : `${o.gateway}/`);
  const url = new URL(`proxy/${o.plugin}/${o.action}`, gateway).href;
  const post = (approvalId?: string) =>
    o.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(approvalId ? { 'approval-id': approvalId } : {}) },
      body: JSON.stringify(o.input),
    });

  let res = await post(o.approvalId);
  if (res.status === 202) {
    const asked = approvalOf(await bodyOf(res), gateway);
    o.onApproval?.(asked);
    if (o.waitMs === undefined) return { kind: 'approval', approval: asked };
    await waitForApproval(o, asked, o.waitMs);
    res = await post(asked.approval_id);
  }
  if (res.headers.get('oauth3-upstream')) return { kind: 'upstream', status: res.status, body: await res.text() };
  const body = await bodyOf(res);
  if (!res.ok) throw refused(res, url, body);
  return { kind: 'result', result: body.json?.result ?? null };
}
