import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One kind of request a flood sends, as fetch takes it. */
export interface FloodRequest {
  name: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** What one kind of request got: how many of each status, and the smallest Retry-After of its 429s (NaN: none). */
export interface FloodTally {
  statuses: Record<string, number>;
  minRetryAfter: number;
  /** 429s without a Retry-After header. */
  missingRetryAfter: number;
}

/** A running flood: `ready` once its loops are sending, `done` with each kind's tally once it has stopped. */
export interface Flood {
  ready: Promise<void>;
  done: Promise<Record<string, FloodTally>>;
  /**
   * Asks it to stop: each kind of request stops once it has been refused (429) at least once, or at the flood's time
   * or count (as it does by itself), so a kind the loaded machine sent slowly still reaches its limit.
   */
  stop(): void;
}

const self = fileURLToPath(import.meta.url);

/**
 * Floods from a process of its own (so the flood's client work does not share the test's event loop): `loops`
 * sequential loops per kind of request, each stopping after `perLoop` requests or `ms`, whichever comes first.
 * Loopback only; bounded in count and time.
 */
export function startFlood(requests: FloodRequest[], o: { loops: number; perLoop: number; ms: number }): Flood {
  const child = spawn(process.execPath, ['--import', 'tsx', self], {
    env: { ...process.env, OAUTH3_FLOOD_PLAN: JSON.stringify({ requests, ...o }) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout!.on('data', (d) => {
    out += d;
    if (out.includes('ready\n')) onReady();
  });
  const done = new Promise<Record<string, FloodTally>>((resolve, reject) => {
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0) resolve(JSON.parse(last) as Record<string, FloodTally>);
      else reject(new Error(`the flood process exited with ${code}: ${out.slice(-500)}`));
    });
  });
  return { ready, done, stop: () => child.stdin!.end('stop\n') };
}

/** The flood process itself (run as a script). */
async function main(plan: { requests: FloodRequest[]; loops: number; perLoop: number; ms: number }): Promise<void> {
  const deadline = Date.now() + plan.ms;
  let stopped = false;
  process.stdin.on('data', () => (stopped = true));
  const tallies: Record<string, FloodTally> = {};
  const loop = async (r: FloodRequest) => {
    const t = (tallies[r.name] ??= { statuses: {}, minRetryAfter: NaN, missingRetryAfter: 0 });
    for (let i = 0; i < plan.perLoop && !(stopped && t.statuses['429']) && Date.now() < deadline; i++) {
      const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body });
      await res.arrayBuffer();
      t.statuses[res.status] = (t.statuses[res.status] ?? 0) + 1;
      if (res.status === 429) {
        const after = Number(res.headers.get('retry-after'));
        if (!(after >= 1)) t.missingRetryAfter++;
        else if (!(t.minRetryAfter <= after)) t.minRetryAfter = after;
      }
    }
  };
  const loops = plan.requests.flatMap((r) => Array.from({ length: plan.loops }, () => loop(r)));
  process.stdout.write('ready\n');
  await Promise.all(loops);
  process.stdout.write(`${JSON.stringify(tallies)}\n`);
  process.exit(0);
}

if (process.argv[1] === self && process.env.OAUTH3_FLOOD_PLAN) void main(JSON.parse(process.env.OAUTH3_FLOOD_PLAN));
