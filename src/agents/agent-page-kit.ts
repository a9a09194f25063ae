import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { FlashMessage } from '../web/index.js';
import type { AgentView } from './list-agents.js';

/** What the Agents page's routes share with these: the page guards, the act-then-redirect step, the caller and body. */
export interface AgentPageKit {
  pageRead: RouteShorthandOptions;
  pageWrite: RouteShorthandOptions;
  act(request: FastifyRequest, reply: FastifyReply, fn: () => Promise<FlashMessage>): Promise<unknown>;
  userOf(request: FastifyRequest): string;
  body(request: FastifyRequest): Record<string, unknown>;
  /** The caller's agent named by the `:id` parameter (404 otherwise). */
  agentOf(request: FastifyRequest): Promise<AgentView>;
}
