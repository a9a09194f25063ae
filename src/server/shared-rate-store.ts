import { WindowCounter } from '../store/index.js';

type Incr = (err: Error | null, res?: { current: number; ttl: number }) => void;

/** The route a store counts for: @fastify/rate-limit hands `child` the route's limit options, the route as `routeInfo`. */
interface RouteParams {
  routeInfo?: { method?: string | string[]; url?: string };
}

/**
 * A store for @fastify/rate-limit on the gateway's database (WindowCounter): every instance and every worker on one
 * database counts the same window of an address on a route, so the configured limit holds in all. The plugin
 * builds it with `new Store(options)` and asks `child(route)` for each limited route; the bucket is the route and
 * the hashed address. A database error fails the request (503 while the database is unreachable, through the
 * error handler), never lets it through unlimited: these routes guard sign-in and registration, and they need the
 * database to answer anyway.
 */
export function sharedRateStore(counter: WindowCounter) {
  return class SharedRateStore {
    constructor(
      _options?: unknown,
      private readonly scope = 'route',
    ) {}

    incr(key: string, cb: Incr, timeWindow: number, max: number): void {
      counter.take(WindowCounter.bucket(this.scope, key), max, timeWindow).then(
        (c) => cb(null, { current: c.count, ttl: Math.max(0, c.endsAt - Date.now()) }),
        (err: Error) => cb(err),
      );
    }

    child(route: object): SharedRateStore {
      const { method, url } = (route as RouteParams).routeInfo ?? {};
      return new SharedRateStore(undefined, `route ${[method].flat().join(',')} ${url ?? ''}`);
    }
  };
}
