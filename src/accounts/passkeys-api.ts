import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import { requireApiUser } from './require-user.js';
import { requireCsrf } from './csrf.js';
import { listPasskeys } from './passkeys.js';
import { registrationOptions } from './registration.js';
import { addPasskey, removePasskeyAction, renamePasskeyAction } from './passkey-actions.js';
import { requestMeta } from './request-meta.js';
import { ceremonyOptionsSchema, credentialResponseSchema, passkeySchema, security, ID_PATTERN } from './api-schemas.js';

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 1024, pattern: ID_PATTERN } },
  required: ['id'],
} as const;

/** /api/v1/me/passkeys: list, add (two-step ceremony), rename, remove (never the last). */
export async function passkeysApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const read = requireApiUser(ctx, 'profile');
  const write = [requireApiUser(ctx, 'profile.write'), requireCsrf];
  // A passkey is the person, for good: only their signed-in session adds one. A bearer (OAuth grant, delegation,
  // API token) with profile.write could otherwise turn itself into a sign-in that outlives its own revocation.
  const sessionOnly = async (request: FastifyRequest) => {
    if (request.principal?.kind !== 'session')
      throw new AppError(
        accountsErrors.ERR_ACCOUNTS_SESSION_REQUIRED,
        'Adding a passkey needs your signed-in session, not a bearer token.',
      );
  };
  const add = [...write, sessionOnly];
  const tags = ['passkeys'];
  const uid = (r: { principal: { userId: string | null } | null }) => r.principal!.userId ?? '';

  app.get(
    '/api/v1/me/passkeys',
    {
      preHandler: read,
      schema: { tags, summary: 'Your passkeys', security, response: { 200: { type: 'array', items: passkeySchema } } },
    },
    async (request) => listPasskeys(ctx.db, uid(request)),
  );

  app.post(
    '/api/v1/me/passkeys/options',
    {
      preHandler: add,
      schema: {
        tags,
        summary: 'Start adding a passkey: registration options (answer within 5 minutes)',
        security,
        response: { 200: ceremonyOptionsSchema },
      },
    },
    async (request) => registrationOptions(ctx, { userId: uid(request) }),
  );

  app.post(
    '/api/v1/me/passkeys',
    {
      preHandler: add,
      schema: {
        tags,
        summary: 'Finish adding a passkey',
        security,
        body: {
          type: 'object',
          properties: { response: credentialResponseSchema, name: { type: 'string', maxLength: 64 } },
          required: ['response'],
        },
        response: { 201: passkeySchema },
      },
    },
    async (request, reply) => {
      const body = request.body as { response: RegistrationResponseJSON; name?: string };
      const passkey = await addPasskey(ctx, { userId: uid(request), response: body.response, name: body.name, meta: requestMeta(request) });
      return reply.code(201).send(passkey);
    },
  );

  app.patch(
    '/api/v1/me/passkeys/:id',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'Rename a passkey',
        security,
        params: idParams,
        body: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['name'] },
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      await renamePasskeyAction(ctx, {
        userId: uid(request),
        passkeyId: (request.params as { id: string }).id,
        name: (request.body as { name: string }).name,
        meta: requestMeta(request),
      });
      return reply.code(204).send();
    },
  );

  app.delete(
    '/api/v1/me/passkeys/:id',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'Remove a passkey and end the sessions it opened, except this one (refused for the last one: 409 ERR_LAST_PASSKEY)',
        security,
        params: idParams,
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      await removePasskeyAction(ctx, {
        userId: uid(request),
        passkeyId: (request.params as { id: string }).id,
        currentSessionId: request.accountSession?.id,
        meta: requestMeta(request),
      });
      return reply.code(204).send();
    },
  );
}
