import { describe, expect, it } from 'vitest';
import { repeatWhileOpen } from './repeat-while-open.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('repeatWhileOpen', () => {
  it('never runs twice at once, and its stop waits for the run in flight', async () => {
    let active = 0;
    let most = 0;
    let ended = 0;
    const stop = repeatWhileOpen(
      5,
      async () => {
        most = Math.max(most, ++active);
        await sleep(40); // much longer than the interval
        active--;
        ended++;
      },
      () => undefined,
    );
    await sleep(30); // a run has started and is in flight
    expect(active).toBe(1);
    await stop();
    expect(active).toBe(0); // stop resolved only after it ended
    const after = ended;
    await sleep(60);
    expect(ended).toBe(after); // and nothing runs after stop
    expect(most).toBe(1);
  });

  it('gives a failed run to onError and goes on', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const stop = repeatWhileOpen(
      5,
      async () => {
        runs++;
        throw new Error('database gone');
      },
      (e) => errors.push(e),
    );
    await sleep(60);
    await stop();
    expect(runs).toBeGreaterThan(1);
    expect(errors).toHaveLength(runs);
  });
});
