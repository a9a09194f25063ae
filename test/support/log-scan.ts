import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One secret found in a log line: where, what shape, and a fingerprint (never the secret). */
export interface LogFinding {
  file: string;
  line: number;
  kind: string;
  /** The first 4 characters, then a SHA-256 prefix of the whole value: enough to match it with a test's, not to use it. */
  fingerprint: string;
}

/** What a scan read and found. */
export interface LogScan {
  files: number;
  lines: number;
  secrets: number;
  findings: LogFinding[];
}

/** The shapes of the gateway's and the upstream stand-ins' secrets, as they would appear in a log line. */
const SHAPES: Array<[kind: string, re: RegExp]> = [
  ['JWT', /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}/g],
  ['personal API token or vault API key', /(?<![A-Za-z0-9_-])o3[pk]_[A-Za-z0-9_-]{30,}/g],
  ['refresh token', /(?<![A-Za-z0-9_-])rt_[0-9a-f]{32}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g],
  ['Telegram bot token', /(?<![0-9])\d{6,12}:[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g], // also in a URL: /bot<token>/
  // randomToken(): authorization codes, client secrets, connect-session ids, the secret half of a refresh token
  ['256-bit opaque secret', /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g],
];

/** What every shape has in it (a line without it is skipped: most lines). */
const MAYBE = /[A-Za-z0-9_-]{30}|\d{6}:/;

/** Runs of characters a registered secret is made of, to look up whole in the registry. */
const RUNS = /[A-Za-z0-9_\-.~+/:=]{12,}/g;

const fingerprint = (s: string) => `${s.slice(0, 4)}…sha256:${createHash('sha256').update(s).digest('hex').slice(0, 12)}`;

/**
 * Values that only look like a secret: a hash, a key id, or a passkey's credential id in a path (`/passkeys/{id}`:
 * public by design, WebAuthn sends it to anyone who asks to sign in).
 */
const harmless = (kind: string, value: string, line: string) =>
  kind === '256-bit opaque secret' &&
  (/^[a-f0-9]+$/i.test(value) ||
    line.includes(`"hash":"${value}"`) ||
    line.includes(`"kid":"${value}"`) ||
    line.includes(`/passkeys/${value}`));

/**
 * Reads every `*.log` file of `dir` (the run's copies of every log line) and looks in each line for a secret by
 * shape, or for one of the secrets tests registered (`secrets-*.txt`, see log-secrets.ts).
 */
export function scanLogDirectory(dir: string): LogScan {
  const names = readdirSync(dir);
  const registered = new Set<string>();
  for (const n of names.filter((x) => x.startsWith('secrets-')))
    for (const s of readFileSync(join(dir, n), 'utf8').split('\n')) if (s) registered.add(s);
  const scan: LogScan = { files: 0, lines: 0, secrets: registered.size, findings: [] };
  for (const n of names.filter((x) => x.endsWith('.log')).sort()) {
    scan.files++;
    const lines = readFileSync(join(dir, n), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line) return;
      scan.lines++;
      const found = new Map<string, string>();
      if (MAYBE.test(line))
        for (const [kind, re] of SHAPES)
          for (const m of line.matchAll(re)) if (!found.has(m[0]) && !harmless(kind, m[0], line)) found.set(m[0], kind);
      if (registered.size)
        for (const run of line.match(RUNS) ?? [])
          for (const part of new Set([run, ...run.split(/[.:=/]/)]))
            if (registered.has(part) && !found.has(part)) found.set(part, 'a secret a test registered');
      for (const [value, kind] of found)
        if (![...found.keys()].some((other) => other !== value && other.includes(value)))
          // the secret half of a refresh token
          scan.findings.push({ file: join(dir, n), line: i + 1, kind, fingerprint: fingerprint(value) });
    });
  }
  return scan;
}

/** A test file that starts a gateway (in its process or as its own): it imports a helper that does. */
const STARTS_GATEWAY = /from '[^']*\/(support\/(test-app|echo-gateway|run-cli|gateway-process)|server\/index)\.js'/;

/**
 * What is wrong with a run's logs, as one message (file and line of each finding, never the secret), or undefined:
 * a secret in a line, or not one line read although test files that start gateways ran (`ran`: their paths).
 */
export function logScanFailure(logDir: string, ran: readonly string[]): string | undefined {
  const started = Date.now();
  const scan = scanLogDirectory(logDir);
  const summary = `log scan: ${scan.lines} lines in ${scan.files} files, ${scan.secrets} registered secrets, ${Date.now() - started} ms`;
  if (scan.findings.length)
    return [
      `${summary}: ${scan.findings.length} secrets in log lines (the lines are kept in ${logDir}):`,
      ...scan.findings.slice(0, 30).map((f) => `  ${f.file}:${f.line}: ${f.kind} ${f.fingerprint}`),
    ].join('\n');
  const gateways = ran.filter((f) => STARTS_GATEWAY.test(readFileSync(f, 'utf8')));
  if (scan.lines === 0 && gateways.length)
    return `${summary}: not one log line, though ${gateways.length} test files started gateways (${gateways[0]}…): is OAUTH3_LOG_COPY reaching them?`;
  if (process.env.CI) console.log(summary);
  return undefined;
}
