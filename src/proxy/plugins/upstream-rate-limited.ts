import { OAuthError } from '../../errors/index.js';

/**
 * The upstream's own rate limit was hit (X's 429, Telegram's `retry_after`): 429 `too_many_requests` with
 * `Retry-After`, so the agent waits as long as the upstream asked (never less than a second).
 */
export class UpstreamRateLimited extends OAuthError {
  constructor(upstream: string, retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(Number.isFinite(retryAfterSeconds) ? retryAfterSeconds : 60));
    super(429, 'too_many_requests', `${upstream} limits how often this may be done: retry in ${seconds} s`);
    this.retryAfter = seconds;
  }
}
