/** One line of progress on stderr (redrawn in place on a terminal, a line every few seconds otherwise). */
export function progressBar(label: string): { update(done: number, total: number, rate: number): void; end(): void } {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  let last = '';
  return {
    update(done, total, rate) {
      const width = 24;
      const frac = total ? Math.min(1, done / total) : 1;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      const left = rate > 0 ? Math.max(0, Math.ceil((total - done) / rate)) : 0;
      last = `${label} [${bar}] ${done}/${total} rows, ${Math.round(rate)} rows/s, ${left} s left`;
      if (tty) process.stderr.write(`\r${last}`);
      else if (Date.now() - lastLine > 2000) {
        process.stderr.write(`${last}\n`);
        lastLine = Date.now();
      }
    },
    end() {
      if (tty && last) process.stderr.write('\n');
      else if (last) process.stderr.write(`${last}\n`);
    },
  };
}
