import type { GrantDescriptor } from './grant-descriptor.js';
import { authorizationCode } from './authorization-code.js';
import { refreshToken } from './refresh-token.js';
import { clientCredentials } from './client-credentials.js';
import { tokenExchange } from './token-exchange.js';

/**
 * The grant types /token accepts: one descriptor per grant, registered here and nowhere else.
 * (To add one: write `grants/<grant-type>.ts` exporting a GrantDescriptor and list it below.)
 */
const grants: GrantDescriptor[] = [authorizationCode, refreshToken, clientCredentials, tokenExchange];

const byType = new Map(grants.map((g) => [g.grantType, g]));

/** Registers a grant type at runtime (plugins); refuses a second descriptor for the same type. */
export function registerGrant(grant: GrantDescriptor): void {
  if (byType.has(grant.grantType)) throw new Error(`grant type ${grant.grantType} is already registered`);
  byType.set(grant.grantType, grant);
}

/** The descriptor for a grant_type, or undefined (→ unsupported_grant_type). */
export function findGrant(grantType: string): GrantDescriptor | undefined {
  return byType.get(grantType);
}

/** Every supported grant type (published as grant_types_supported). */
export function grantTypes(): string[] {
  return [...byType.keys()];
}
