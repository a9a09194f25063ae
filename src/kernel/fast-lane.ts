import type { IncomingHttpHeaders } from 'node:http';

/** A form request as a lane's handler sees it: what the Fastify route would have read from its request. */
export interface LaneRequest {
  headers: IncomingHttpHeaders;
  ip: string;
  /** The form, parsed as @fastify/formbody parses it (a repeated name gives an array). */
  body: Record<string, unknown>;
}

/** A lane's answer: status, headers and a JSON body. */
export interface LaneResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * A fast lane (a server capability, see server/fast-lanes.ts): a route declares one in its options,
 * `config: { lane }`, to have its plain form POSTs answered straight from Node's HTTP server. It answers the
 * request exactly as the route's handler would; what it throws is answered as the error handler answers the
 * route (in OAuth's shape when the route's `config.oauth` is set).
 */
export type LaneHandler = (request: LaneRequest) => Promise<LaneResponse>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A fast lane for this route (form POSTs only). */
    lane?: LaneHandler;
    /** Errors of this route are answered in OAuth's shape (RFC 6749 §5.2). */
    oauth?: boolean;
  }
}
