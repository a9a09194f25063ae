import type { Registry } from './registry.js';

/** The app a pending flow is for, as the sign-in and sign-up pages name it. */
export interface PendingApp {
  /** The name people read (the client's registered name, else the host of its client_id). */
  name: string;
  /** Someone vouches for the name; false for a client that registered itself (the pages label it "unverified"). */
  verified: boolean;
}

/**
 * Names the app waiting behind a `return_to` (a path on this gateway, under its public path) when that path is a
 * flow of the declaring module (the authorization server's consent page), else undefined. A module declares one in
 * its manifest (`describeReturnTo`, given the context); the sign-in and sign-up pages ask through `describeReturnTo`,
 * so accounts never needs to know which module fills it.
 */
export type ReturnToDescriber = (returnTo: string) => Promise<PendingApp | undefined>;

/** A describer as registered: the module that declared it, and the function (bound to the app's context). */
export interface DeclaredReturnToDescriber {
  module: string;
  describe: ReturnToDescriber;
}

/** What `describeReturnTo` needs of the context. */
interface Describing {
  registries: { returnToDescribers: Registry<DeclaredReturnToDescriber> };
  log: { warn(o: object, message: string): void };
}

/**
 * The app waiting behind `returnTo`: the first declared describer that knows the path answers. A describer that
 * fails is logged and skipped: a sign-in page never fails for want of a name.
 */
export async function describeReturnTo(ctx: Describing, returnTo: string): Promise<PendingApp | undefined> {
  for (const name of ctx.registries.returnToDescribers.names()) {
    const d = ctx.registries.returnToDescribers.get(name)!;
    try {
      const app = await d.describe(returnTo);
      if (app) return app;
    } catch (err) {
      ctx.log.warn({ err, module: d.module }, 'describing a return_to failed');
    }
  }
  return undefined;
}
