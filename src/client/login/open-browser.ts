import { spawn } from 'node:child_process';

/**
 * Opens `url` in the person's browser with the platform's opener (`open` on macOS, `rundll32
 * url.dll,FileProtocolHandler` on Windows, `xdg-open` elsewhere), detached, without a shell or `cmd` (the URL is one
 * argument, so nothing in it is run). Only an http(s) URL is handed over, normalised: the authorization endpoint
 * comes from the server's metadata, and a `file:` or other URL there must not be opened. Resolves false when the URL
 * is refused or no opener could be started.
 */
export function openBrowser(url: string): Promise<boolean> {
  let href: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return Promise.resolve(false);
    href = u.href;
  } catch {
    return Promise.resolve(false);
  }
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [href]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', href]]
        : ['xdg-open', [href]];
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args as string[], { detached: true, stdio: 'ignore' });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
