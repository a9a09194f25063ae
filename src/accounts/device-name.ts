import Bowser from 'bowser';

/**
 * A device as people name it, from its User-Agent: "Chrome 131 on macOS", "Safari on iPhone". Parsed with bowser
 * (small, MIT, kept up to date with new browsers); a User-Agent it cannot read is shown shortened, never raw.
 */
export function deviceName(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  const parsed = Bowser.parse(userAgent);
  const browser = parsed.browser.name
    ? `${parsed.browser.name}${parsed.browser.version ? ` ${parsed.browser.version.split('.')[0]}` : ''}`
    : '';
  const os = parsed.os.name === 'iOS' && parsed.platform.model ? parsed.platform.model : (parsed.os.name ?? '');
  if (browser && os) return `${browser} on ${os}`;
  if (browser || os) return browser || os;
  return userAgent.length > 40 ? `${userAgent.slice(0, 40)}…` : userAgent;
}
