/**
 * One line of progress on stderr: redrawn in place on a terminal; otherwise (a log, a pipe) a line at each tenth of
 * the way and at least every few seconds, so a log shows steady progress without a line per batch.
 */
export function progressBar(label: string): { update(done: number, total: number, rate: number): void; end(): void } {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  let lastTenth = 0;
  let last = '';
  return {
    update(done, total, rate) {
      const width = 24;
      const frac = total ? Math.min(1, done / total) : 1;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      const left = rate > 0 ? Math.max(0, Math.ceil((total - done) / rate)) : 0;
      last = `${label} [${bar}] ${done}/${total} rows, ${Math.round(rate)} rows/s, ${left} s left`;
      const tenth = Math.floor(frac * 10);
      if (tty) process.stderr.write(`\r${last}`);
      else if (tenth > lastTenth || Date.now() - lastLine > 2000) {
        process.stderr.write(`${last}\n`);
        lastLine = Date.now();
        lastTenth = tenth;
      }
    },
    end() {
      if (tty && last) process.stderr.write('\n');
      else if (last && lastTenth < 10) process.stderr.write(`${last}\n`);
    },
  };
}
