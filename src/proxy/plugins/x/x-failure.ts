import type { ActionCall, UpstreamResponse } from '../../plugin.js';
import { UpstreamRateLimited } from '../upstream-rate-limited.js';

/** X API v2's error document (https://docs.x.com/x-api/fundamentals/response-codes-and-errors). */
interface XProblem {
  title?: string;
  detail?: string;
  type?: string;
  status?: number;
}

/** A short, single-line piece of X's message (it is X's wording, never the request's body). */
const clip = (s: string | undefined) => (s ?? '').replace(/[\r\n\t]+/g, ' ').slice(0, 200);

/**
 * Turns a refusal of X into the answer the agent sees: 429 with `Retry-After` from `x-rate-limit-reset` (epoch
 * seconds); a 403 for duplicate content → 422 saying so; other 400/403/404 → 422 with X's title and detail; anything
 * else → 502 naming the status. (401 never gets here: the host refreshes the credential and retries.)
 */
export function xFailure(res: UpstreamResponse, call: Pick<ActionCall, 'fail'>): never {
  if (res.status === 429) {
    const reset = Number(res.headers['x-rate-limit-reset']);
    throw new UpstreamRateLimited('X', Number.isFinite(reset) && reset > 0 ? reset - Date.now() / 1000 : 900);
  }
  let problem: XProblem = {};
  try {
    problem = JSON.parse(res.text) as XProblem;
  } catch {
    // not X's JSON: the status says enough
  }
  const said = [clip(problem.title), clip(problem.detail)].filter(Boolean).join(': ');
  if (res.status === 403 && /duplicate/i.test(`${problem.detail ?? ''} ${problem.title ?? ''}`))
    return call.fail('refused', 'X refused the tweet as duplicate content: the same text was posted recently.');
  if (res.status === 400 || res.status === 403 || res.status === 404)
    return call.fail('refused', `X refused the request (${res.status}${said ? `: ${said}` : ''}).`);
  return call.fail('failed', `X answered ${res.status}${said ? ` (${said})` : ''}.`);
}
