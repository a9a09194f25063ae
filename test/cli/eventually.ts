/** Polls `check` every 50 ms for up to `ms`; returns its last answer (a running gateway sees a CLI's change within a poll). */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (await check()) return true;
  return check();
}
