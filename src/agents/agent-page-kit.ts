import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { AppError } from '../errors/index.js';
import type { FlashMessage } from '../web/index.js';
import type { AgentView } from './list-agents.js';

/** What the Agents page's routes share with these: the page guards, the act-then-redirect step, the caller and body. */
export interface AgentPageKit {
  pageRead: RouteShorthandOptions;
  pageWrite: RouteShorthandOptions;
  /**
   * Runs a form's action, then back to `back` (the Agents page) with its message; a refusal (4xx) on `refused`'s
   * page when given (the form again as typed), else on the Agents page.
   */
  act(
    request: FastifyRequest,
    reply: FastifyReply,
    fn: () => Promise<FlashMessage>,
    back?: string,
    refused?: (e: AppError) => Promise<FastifyReply>,
  ): Promise<unknown>;
  userOf(request: FastifyRequest): string;
  body(request: FastifyRequest): Record<string, unknown>;
  /** The scopes the caller may grant (name and description). */
  grantableOf(request: FastifyRequest): Array<{ name: string; description: string }>;
  /** A form's `scopes` field as a list (one checkbox sends a string). */
  formScopes(body: Record<string, unknown>): unknown[];
  /** The caller's agent named by the `:id` parameter (404 otherwise). */
  agentOf(request: FastifyRequest): Promise<AgentView>;
}
