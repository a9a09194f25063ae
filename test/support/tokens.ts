import type { AccessTokenSpec, AppContext, IssuedToken } from '../../src/kernel/index.js';
import { TokenService } from '../../src/tokens/index.js';

/** The app's TokenService itself (its revocation index, usage tracker…), for tests that look inside. */
export function tokenService(ctx: Pick<AppContext, 'tokens'>): TokenService {
  if (!(ctx.tokens instanceof TokenService)) throw new Error('the context has no TokenService');
  return ctx.tokens;
}

/** Issues one access token through the one issuance path, recording no audit event (a test's own token). */
export async function issueAccessToken(ctx: Pick<AppContext, 'tokens'>, spec: AccessTokenSpec): Promise<IssuedToken> {
  const issued = await ctx.tokens.issue({ accessTokens: [spec], audit: () => [] });
  return issued![0];
}
