import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the client keeps its logins: `$XDG_CONFIG_HOME/oauth3/`, else `~/.config/oauth3/` (XDG Base Directory
 * specification: a relative XDG_CONFIG_HOME is ignored).
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(env.HOME || homedir(), '.config'), 'oauth3');
}
