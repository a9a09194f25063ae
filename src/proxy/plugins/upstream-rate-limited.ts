import { AppError } from '../../errors/index.js';
import { proxyErrors } from '../proxy-errors.js';

/**
 * The upstream's own rate limit was hit (X's 429, Telegram's `retry_after`): 429 ERR_PROXY_UPSTREAM_RATE_LIMITED
 * (the proxy's error shape, as the grant's own limit) with `Retry-After`, so the agent waits as long as the upstream
 * asked (never less than a second; 60 s when the upstream did not say).
 */
export class UpstreamRateLimited extends AppError {
  constructor(upstream: string, retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(Number.isFinite(retryAfterSeconds) ? retryAfterSeconds : 60));
    super(proxyErrors.ERR_PROXY_UPSTREAM_RATE_LIMITED, `${upstream} limits how often this may be done: retry in ${seconds} s.`, {
      upstream,
      retry_after: seconds,
    });
    this.retryAfter = seconds;
  }
}
