// The command-line arguments every bench reads the same way: `--name=value`, and `--quick`, which `npm run bench --
// --quick` passes to every bench so a whole table is produced in bounded time (fewer rounds, shorter runs, smaller
// stores). A bench that does not know `--quick` ignores it.

/** Whether this bench runs short (`--quick`): fewer and shorter rounds, smaller stores; the same results, noisier. */
export const QUICK = process.argv.includes('--quick');

/** The value of `--name=value` on the command line, if given. */
export function stringArg(name: string): string | undefined {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found === undefined ? undefined : found.slice(name.length + 3);
}

/** The number given as `--name=N`; otherwise `quick` under `--quick` (when given) and `full` without. */
export function numberArg(name: string, full: number, quick = full): number {
  const given = stringArg(name);
  if (given === undefined) return QUICK ? quick : full;
  const n = Number(given);
  if (!Number.isFinite(n)) throw new Error(`--${name}=${given}: not a number`);
  return n;
}
