import type { FastifyInstance } from 'fastify';

/** The hooks that run before a route's handler: a fast lane would skip them. */
const REQUEST_HOOKS = new Set(['onRequest', 'preParsing', 'preValidation', 'preHandler']);

/**
 * Calls `added(name)` whenever a request hook is added to `app` (or to a plugin instance under it) while
 * `trusted()` is false: the built-in modules are trusted (none adds a hook a lane's route needs), any other
 * module is not. Hooks given in a route's own options are not seen here: the lane routes are the built-ins'.
 */
export function watchRequestHooks(app: FastifyInstance, trusted: () => boolean, added: (hook: string) => void): void {
  const addHook = app.addHook;
  app.addHook = function (this: FastifyInstance, name: string, ...rest: unknown[]) {
    if (REQUEST_HOOKS.has(name) && !trusted()) added(name);
    return (addHook as (...args: unknown[]) => FastifyInstance).call(this, name, ...rest);
  } as FastifyInstance['addHook'];
}
