/** A column of a list command: its header and how a row shows in it. */
export interface Column<R> {
  header: string;
  value: (row: R) => string | number | null;
}

/** A time for a table cell: UTC, to the minute; "-" for never. */
export const when = (ms: number | null): string => (ms === null ? '-' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`);

/**
 * Prints a list command's rows to stdout: with `json`, the rows as a JSON array (times in epoch milliseconds);
 * otherwise a table with a header line, columns padded to their widest cell, "-" for an empty cell, and
 * `empty` when there is no row.
 */
export function printList<R>(rows: readonly R[], columns: readonly Column<R>[], o: { json?: boolean; empty: string }): void {
  if (o.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write(`${o.empty}\n`);
    return;
  }
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => String(c.value(r) ?? '-') || '-'))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  for (const line of cells)
    process.stdout.write(
      `${line
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
}
