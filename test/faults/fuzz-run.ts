import { fuzzRequests } from './fuzz-cases.js';
import { FUZZ_BODY_LIMIT, type FuzzTarget } from './fuzz-gateway.js';
import { FuzzRandom } from './fuzz-random.js';
import { FuzzSender, type FuzzOutcome, type FuzzRequest } from './fuzz-send.js';

/** One request that got a 5xx or no answer, described without its secrets. */
export interface FuzzFailure {
  index: number;
  outcome: FuzzOutcome;
  request: string;
}

/** What a run saw: how many requests, the how many got each status, the failures. */
export interface FuzzReport {
  seed: number;
  sent: number;
  statuses: Record<string, number>;
  failures: FuzzFailure[];
}

/** The request as text for a report: every secret the fuzzer holds replaced by its name, long parts cut. */
export function describeRequest(req: FuzzRequest, secrets: readonly string[]): string {
  const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s);
  let text = req.raw
    ? `raw ${JSON.stringify(cut(req.raw.toString('latin1')))}`
    : `${req.method} ${cut(req.path)} ${JSON.stringify(req.headers)} body ${req.body ? JSON.stringify(cut(req.body.toString('latin1'))) : '(none)'}`;
  secrets.forEach((s, i) => (text = text.split(s).join(`<secret ${i}>`)));
  return `[${req.kind}] ${cut(text)}`;
}

/**
 * A 5xx that is the designed answer: the echo test plugin's `fetch` hands the caller's URL to the upstream client,
 * whose allow-list refuses it with 502 ERR_PROXY_UPSTREAM_HOST (a plugin asking for a host it may not reach).
 */
const designed = (req: FuzzRequest, o: FuzzOutcome) =>
  o.status === 502 && o.code === 'ERR_PROXY_UPSTREAM_HOST' && req.path.startsWith('/proxy/echo/fetch');

/** Sends `count` fuzz requests of `seed` to the target, `concurrency` at a time. */
export async function runFuzz(target: FuzzTarget, seed: number, count: number, concurrency = 8): Promise<FuzzReport> {
  const sender = new FuzzSender('127.0.0.1', target.port);
  const requests = fuzzRequests(new FuzzRandom(seed), target.routes, target.credentials, FUZZ_BODY_LIMIT, count);
  const report: FuzzReport = { seed, sent: 0, statuses: {}, failures: [] };
  const worker = async () => {
    for (let next = requests.next(); !next.done; next = requests.next()) {
      const index = report.sent++;
      const outcome = await sender.send(next.value);
      const key = outcome.closed ? 'closed' : String(outcome.status ?? outcome.error);
      report.statuses[key] = (report.statuses[key] ?? 0) + 1;
      if (outcome.closed) continue;
      if (!outcome.status || (outcome.status >= 500 && !designed(next.value, outcome)) || outcome.error)
        report.failures.push({ index, outcome, request: describeRequest(next.value, target.secrets) });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    sender.close();
  }
  return report;
}
