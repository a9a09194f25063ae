import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { listEvents } from '../audit/index.js';
import { AppError } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import { ConfirmStep, ErrorPage, renderPage } from '../web/index.js';
import { deviceName } from './device-name.js';
import { ProfilePage } from './pages/profile-page.js';
import { PasskeysPage } from './pages/passkeys-page.js';
import { SessionsPage } from './pages/sessions-page.js';
import { EventsPage } from './pages/events-page.js';
import { requireUser } from './require-user.js';
import { requireCsrf } from './csrf.js';
import { getUser } from './users.js';
import { listPasskeys } from './passkeys.js';
import { listSessions, revokeSessions } from './sessions.js';
import { updateProfile, PROFILE_FIELDS } from './profile.js';
import { removePasskeyAction, renamePasskeyAction } from './passkey-actions.js';
import { currentSessionId } from './sessions-api.js';
import { clearSessionCookie } from './session-cookie.js';
import { requestMeta } from './request-meta.js';
import { isId } from './api-schemas.js';

/** Success messages shown after a form redirect (`?ok=key`): fixed texts, never echoed from the URL. */
const okMessages: Record<string, string> = {
  saved: 'Profile saved.',
  renamed: 'Passkey renamed.',
  removed: 'Passkey removed; the sessions it signed in elsewhere are signed out.',
  added: 'Passkey added.',
  revoked: 'Session revoked.',
  others: 'Other devices were logged out.',
  none: 'No other device is signed in.',
};
const flash = (errorCodes: AppContext['registries']['errorCodes'], request: FastifyRequest) => {
  const q = request.query as Record<string, unknown>;
  const error = typeof q.error === 'string' ? (errorCodes.get(q.error)?.message ?? null) : null;
  return { ok: typeof q.ok === 'string' ? (okMessages[q.ok] ?? null) : null, error };
};

/** The account pages: profile, passkeys, sessions, access log; their forms post here and redirect back (303). */
export async function accountPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const page = { schema: { hide: true }, preHandler: requireUser(ctx, { page: true }) };
  const form = { schema: { hide: true }, preHandler: [requireUser(ctx, { page: true }), requireCsrf] };
  const uid = (r: FastifyRequest) => r.principal!.userId ?? '';
  const kinds = [...new Set(ctx.registries.eventTypes.all().map((t) => t.kind))].filter((k) => k !== 'system');
  const flashOf = (request: FastifyRequest) => flash(ctx.registries.errorCodes, request);

  /** Runs a form action; a refusal (4xx) comes back to the page with its message, anything else is a 5xx. */
  async function act(reply: FastifyReply, back: string, okKey: string, fn: () => Promise<unknown>) {
    try {
      await fn();
    } catch (e) {
      if (e instanceof AppError && e.status < 500) return reply.redirect(`${back}?error=${e.code}`, 303);
      throw e;
    }
    return reply.redirect(`${back}?ok=${okKey}`, 303);
  }

  app.get('/account', page, async (request, reply) => {
    const user = (await getUser(ctx.db, uid(request)))!;
    return renderPage(reply, {
      title: 'Your account',
      request,
      body: <ProfilePage user={user} csrfToken={request.csrfToken} {...flashOf(request)} />,
    });
  });

  app.post('/account/profile', form, async (request, reply) => {
    const sent = request.body;
    // a JSON `true` or a text/plain string is no form: nothing in it to change (`in` would throw on it)
    const body = (typeof sent === 'object' && sent !== null ? sent : {}) as Record<string, unknown>;
    const changes = Object.fromEntries(PROFILE_FIELDS.filter((f) => f in body).map((f) => [f, body[f]]));
    try {
      await updateProfile(ctx, { userId: uid(request), changes, meta: requestMeta(request) });
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      const user = (await getUser(ctx.db, uid(request)))!;
      const values = Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, typeof v === 'string' ? v : '']));
      return renderPage(reply, {
        title: 'Your account',
        request,
        status: e.status,
        body: (
          <ProfilePage
            user={user}
            values={values}
            csrfToken={request.csrfToken}
            error={e.message}
            errorField={e.details?.field as string | undefined}
          />
        ),
      });
    }
    return reply.redirect('/account?ok=saved', 303);
  });

  app.get('/account/passkeys', page, async (request, reply) => {
    const passkeys = await listPasskeys(ctx.db, uid(request));
    return renderPage(reply, {
      title: 'Passkeys',
      request,
      body: <PasskeysPage passkeys={passkeys} csrfToken={request.csrfToken} {...flashOf(request)} />,
    });
  });

  app.post('/account/passkeys/:id/rename', form, async (request, reply) =>
    act(reply, '/account/passkeys', 'renamed', () =>
      renamePasskeyAction(ctx, {
        userId: uid(request),
        passkeyId: (request.params as { id: string }).id,
        name: (request.body as Record<string, unknown>)?.name,
        meta: requestMeta(request),
      }),
    ),
  );

  app.get('/account/passkeys/:id/remove', page, async (request, reply) => {
    const passkeys = await listPasskeys(ctx.db, uid(request));
    const p = passkeys.find((k) => k.id === (request.params as { id: string }).id);
    if (!p) throw new AppError(accountsErrors.ERR_ACCOUNTS_PASSKEY_NOT_FOUND);
    if (passkeys.length === 1)
      return renderPage(reply, {
        title: `${p.name} is your last passkey`,
        request,
        status: 409,
        body: (
          <ErrorPage
            message="Without a passkey you could not sign in again. Add another passkey first, then remove this one."
            links={[{ href: '/account/passkeys', label: 'Back to passkeys' }]}
          />
        ),
      });
    return renderPage(reply, {
      title: `Remove the passkey ${p.name}?`,
      request,
      body: (
        <ConfirmStep
          action={`/account/passkeys/${encodeURIComponent(p.id)}/remove`}
          csrfToken={request.csrfToken}
          consequences={[
            `You can no longer sign in with ${p.name}${p.backedUp ? ' on any device it is synced to' : ''}.`,
            'Browsers it signed in, other than this one, are signed out.',
            `You keep ${passkeys.length - 1} other passkey${passkeys.length === 2 ? '' : 's'}.`,
          ]}
          confirmLabel="Remove passkey"
          cancelHref="/account/passkeys"
        />
      ),
    });
  });

  app.post('/account/passkeys/:id/remove', form, async (request, reply) =>
    act(reply, '/account/passkeys', 'removed', () =>
      removePasskeyAction(ctx, {
        userId: uid(request),
        passkeyId: (request.params as { id: string }).id,
        currentSessionId: request.accountSession?.id,
        meta: requestMeta(request),
      }),
    ),
  );

  app.get('/account/sessions', page, async (request, reply) => {
    const sessions = await listSessions(ctx.db, uid(request));
    return renderPage(reply, {
      title: 'Sessions',
      request,
      body: <SessionsPage sessions={sessions} currentId={currentSessionId(request)} csrfToken={request.csrfToken} {...flashOf(request)} />,
    });
  });

  app.get('/account/sessions/:id/revoke', page, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const session = (await listSessions(ctx.db, uid(request))).find((x) => x.id === id);
    if (!session) throw new AppError(accountsErrors.ERR_ACCOUNTS_SESSION_NOT_FOUND);
    const own = id === currentSessionId(request);
    const device = deviceName(session.userAgent);
    return renderPage(reply, {
      title: own ? 'Sign out of this browser?' : `Sign out ${device}?`,
      request,
      body: (
        <ConfirmStep
          action={`/account/sessions/${encodeURIComponent(id)}/revoke`}
          csrfToken={request.csrfToken}
          consequences={[
            own
              ? 'This browser will be signed out; your other devices stay signed in.'
              : `${device}${session.ip ? ` (last from ${session.ip})` : ''} is signed out at its next request and must sign in again with a passkey.`,
          ]}
          confirmLabel={own ? 'Sign out' : 'Sign out that device'}
          cancelHref="/account/sessions"
        />
      ),
    });
  });

  app.get('/account/sessions/revoke-others', page, async (request, reply) => {
    const others = (await listSessions(ctx.db, uid(request))).filter((x) => x.id !== currentSessionId(request));
    if (others.length === 0) return reply.redirect('/account/sessions?ok=none', 303);
    return renderPage(reply, {
      title: `Log out ${others.length} other device${others.length === 1 ? '' : 's'}?`,
      request,
      body: (
        <ConfirmStep
          action="/account/sessions/revoke-others"
          csrfToken={request.csrfToken}
          consequences={[
            `Signed out at their next request: ${others.map((o) => deviceName(o.userAgent)).join(', ')}.`,
            'This browser stays signed in. Your passkeys, tokens and agents are not affected.',
          ]}
          confirmLabel="Log out other devices"
          cancelHref="/account/sessions"
        />
      ),
    });
  });

  app.post('/account/sessions/:id/revoke', form, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const own = id === currentSessionId(request);
    const done = await revokeSessions(ctx, {
      userId: uid(request),
      ids: [id],
      reason: own ? 'signed out' : 'revoked by you',
      meta: requestMeta(request),
    });
    if (done.length === 0) return reply.redirect(`/account/sessions?error=${accountsErrors.ERR_ACCOUNTS_SESSION_NOT_FOUND.code}`, 303);
    if (!own) return reply.redirect('/account/sessions?ok=revoked', 303);
    clearSessionCookie(reply, ctx.config);
    return reply.redirect('/login', 303);
  });

  app.post('/account/sessions/revoke-others', form, async (request, reply) =>
    act(reply, '/account/sessions', 'others', () =>
      revokeSessions(ctx, {
        userId: uid(request),
        ids: 'others',
        keep: currentSessionId(request),
        reason: 'logged out from another device',
        meta: requestMeta(request),
      }),
    ),
  );

  app.get('/account/events', page, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const kind = typeof q.kind === 'string' && kinds.includes(q.kind) ? q.kind : undefined;
    const before = isId(q.before, 64) ? q.before : undefined;
    const { events, next } = await listEvents(ctx.db, ctx.registries.eventTypes, { userId: uid(request), kind, before, limit: 50 });
    return renderPage(reply, { title: 'Access log', request, body: <EventsPage events={events} kinds={kinds} kind={kind} next={next} /> });
  });
}
