/** The edit distance of `a` and `b` (insertions, deletions, substitutions and swaps of neighbours each cost 1). */
export function editDistance(a: string, b: string): number {
  // Optimal string alignment: a swapped pair of letters (SESION/SESSOIN) is one typo, not two.
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The name of `known` closest to `name` (case-insensitive edit distance; the first of equals), or undefined if none. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const distance = editDistance(name.toUpperCase(), k.toUpperCase());
    if (distance < bestDistance) [best, bestDistance] = [k, distance];
  }
  return best;
}
