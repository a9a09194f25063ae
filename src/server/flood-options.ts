import { opt, type OptionSchema, type OptionValues } from '../config/index.js';

/**
 * The per-address flood limits of the busy authenticated endpoints (the token endpoint, `POST /proxy/…`, `/mcp`).
 * On by default and generous: many agents behind one NAT address must pass; one address sending hundreds of
 * requests a second for ten seconds is a flood, answered with cheap 429s so that other clients keep their latency.
 */
export const floodOptions = {
  floodLimit: opt.int(
    'OAUTH3_FLOOD_LIMIT',
    'Requests one client address may make to the token endpoint, POST /proxy/… and /mcp within OAUTH3_FLOOD_WINDOW before it gets 429 with Retry-After until the window ends. A flood guard, not a budget: each instance (each worker) counts in its own memory, so a token request writes nothing for it. Generous by default (many agents may share one NAT address); 0 turns it off.',
    3000,
    0,
    100_000_000,
  ),
  floodWindow: opt.int(
    'OAUTH3_FLOOD_WINDOW',
    'Seconds over which OAUTH3_FLOOD_LIMIT counts an address’s requests; a window starts at its first request.',
    10,
    1,
    3600,
  ),
} satisfies OptionSchema;

declare module '../config/config.js' {
  interface Config extends OptionValues<typeof floodOptions> {}
}
