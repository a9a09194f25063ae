import { isLoopbackUrl } from '../clients/redirect-uri-rules.js';
import type { OAuthClient } from '../clients/oauth-client.js';
import type { AuthorizationRequest } from './authorization-request.js';

/** What the consent page says about a client: neutral notes (who vouches for it) and warnings of real risk. */
export interface ConsentRisks {
  /** Nobody vouches for the name: it registered itself (dynamic registration). */
  unverified: boolean;
  notes: string[];
  warnings: string[];
}

const siteHost = (uri: string | null) => {
  try {
    const u = uri ? new URL(uri) : null;
    return u && (u.protocol === 'https:' || u.protocol === 'http:') && !isLoopbackUrl(u) ? u.hostname : null;
  } catch {
    return null;
  }
};
/** Nobody vouches for the client's name: it registered itself (dynamic registration). */
export const selfRegistered = (c: OAuthClient): boolean => c.source === 'dcr';

/** Same site: equal hosts, or one a subdomain of the other (app.example.com answers for example.com). */
const sameSite = (a: string, b: string) => a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);

/**
 * Sorts what a person should know before approving: a self-registered or metadata-document client is only
 * labelled (most are honest); the strong warnings are for answers going somewhere the client's own website
 * does not explain: another host, or this computer (localhost) for a client that claims a website.
 */
export function consentRisks(req: AuthorizationRequest): ConsentRisks {
  const c = req.client;
  const redirect = new URL(req.redirectUri);
  if (req.gatewayCli) {
    // the gateway's own document: its name is vouched for, and a program on this computer is what it is
    return {
      unverified: false,
      notes: [
        `This is the oauth3 command-line tool, as this gateway publishes it; your answer goes to it on this computer (${redirect.host}). Approve only if you just ran oauth3 login.`,
      ],
      warnings: [],
    };
  }
  const site = siteHost(c.clientUri) ?? (c.source === 'cimd' ? siteHost(c.clientId) : null);
  const notes: string[] = [];
  const warnings: string[] = [];
  if (c.source === 'cimd')
    notes.push(`This app is identified by ${new URL(c.clientId).host}; its name is what that site says about itself.`);
  if (isLoopbackUrl(redirect)) {
    if (site)
      warnings.push(
        `This app says it is ${site}, but your answer goes to a program on this computer (${redirect.host}). Approve only if you started that program yourself.`,
      );
    else notes.push('This app runs on your computer (localhost), not on a website: make sure it is a program you started.');
  } else if (site && !sameSite(redirect.hostname, site)) {
    warnings.push(`This app says it is ${site}, but your answer goes to ${redirect.host}. Approve only if you trust ${redirect.host}.`);
  }
  return { unverified: selfRegistered(c), notes, warnings };
}
