import type { KeyObject } from 'node:crypto';
import { signJwt, type JwtHeader, type JwtPayload } from './jwt.js';

/** A JWT on its way. */
export interface PendingJwt {
  /** Its compact serialization: signed now (with everything queued before it) if the queue has not run yet. */
  take(): string;
}

/**
 * Signs JWTs a moment after they are asked for: on the next turn of the event loop (setImmediate, so before a
 * group commit scheduled after them), every JWT asked for meanwhile, one after another; or all of them at once
 * when one is taken first. An ES256 signature made between other work costs more than one made right
 * after another (bench/README.md): the curve's precomputed tables have left the CPU's caches.
 * So the tokens of the requests that one turn of the event loop served are signed together.
 */
export class SignatureQueue {
  private pending: Job[] = [];

  add(header: JwtHeader, payload: JwtPayload, key: KeyObject): PendingJwt {
    const job = new Job(this, header, payload, key);
    if (this.pending.push(job) === 1) setImmediate(() => this.flush());
    return job;
  }

  /** Signs everything queued. */
  flush(): void {
    const jobs = this.pending;
    this.pending = [];
    for (const job of jobs) job.run();
  }
}

class Job implements PendingJwt {
  private jwt: string | undefined;
  private error: { cause: unknown } | undefined;

  constructor(
    private readonly queue: SignatureQueue,
    private readonly header: JwtHeader,
    private readonly payload: JwtPayload,
    private readonly key: KeyObject,
  ) {}

  run(): void {
    if (this.jwt !== undefined || this.error) return;
    try {
      this.jwt = signJwt(this.header, this.payload, this.key);
    } catch (cause) {
      this.error = { cause }; // thrown to whoever reads the value, not from the event loop's turn
    }
  }

  take(): string {
    if (this.jwt === undefined && !this.error) this.queue.flush();
    this.run(); // flushed by an earlier turn, or taken off the queue while being signed: sign now
    if (this.error) throw this.error.cause;
    return this.jwt!;
  }
}
