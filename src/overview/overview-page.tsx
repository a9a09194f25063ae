import type { ComponentChildren } from 'preact';
import type { AuditEntry } from '../audit/index.js';
import { TimeText } from '../web/index.js';

export interface OverviewData {
  passkeys: Array<{ name: string; lastUsedAt: number | null }>;
  sessions: number;
  /** Live API tokens that expire within two weeks. */
  expiringTokens: Array<{ name: string; expiresAt: number }>;
  liveTokens: number;
  /** Agents holding a live delegation. */
  activeAgents: Array<{ name: string; lastUsedAt: number | null }>;
  agents: number;
  apps: Array<{ name: string; lastUsedAt: number }>;
  /** The latest security events (the access log's head). */
  events: AuditEntry[];
}

function Card({
  title,
  href,
  action,
  testid,
  children,
}: {
  title: string;
  href: string;
  action: string;
  testid: string;
  children: ComponentChildren;
}) {
  return (
    <article data-testid={testid}>
      <header>
        <strong>{title}</strong>
      </header>
      {children}
      <footer>
        <a href={href}>{action}</a>
      </footer>
    </article>
  );
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The overview after sign-in: each part of the account in one card, what needs attention first, a link to each page. */
export function OverviewPage({ d }: { d: OverviewData }) {
  return (
    <section data-page="overview" class="overview">
      <Card title="Passkeys" href="/account/passkeys" action="Manage passkeys" testid="overview-passkeys">
        <p>
          {plural(d.passkeys.length, 'passkey')}
          {d.passkeys.length === 1 ? <span class="flash-error"> · add a second one, in case you lose this device</span> : null}
        </p>
      </Card>
      <Card title="Signed-in devices" href="/account/sessions" action="See devices" testid="overview-sessions">
        <p>{plural(d.sessions, 'device')} signed in, this one included.</p>
      </Card>
      <Card title="API tokens" href="/account/tokens" action="Manage tokens" testid="overview-tokens">
        <p>{plural(d.liveTokens, 'live token')}</p>
        {d.expiringTokens.length ? (
          <ul>
            {d.expiringTokens.map((t) => (
              <li>
                <strong>{t.name}</strong> expires <TimeText ms={t.expiresAt} />
              </li>
            ))}
          </ul>
        ) : null}
      </Card>
      <Card title="Agents" href="/account/agents" action="Manage agents" testid="overview-agents">
        <p>
          {plural(d.agents, 'agent')}, {d.activeAgents.length} with live access
        </p>
        {d.activeAgents.length ? (
          <ul>
            {d.activeAgents.map((a) => (
              <li>
                <strong>{a.name}</strong> · last used <TimeText ms={a.lastUsedAt} />
              </li>
            ))}
          </ul>
        ) : null}
      </Card>
      <Card title="Connected apps" href="/account/apps" action="Manage apps" testid="overview-apps">
        {d.apps.length ? (
          <ul>
            {d.apps.map((a) => (
              <li>
                <strong>{a.name}</strong> · last used <TimeText ms={a.lastUsedAt} />
              </li>
            ))}
          </ul>
        ) : (
          <p>No app has access to your account.</p>
        )}
      </Card>
      <Card title="Recent security events" href="/account/events" action="Open the access log" testid="overview-events">
        <ul>
          {d.events.map((e) => (
            <li class={e.result === 'success' ? undefined : 'flash-error'}>
              {e.label} · <TimeText ms={e.time} />
              {e.result === 'success' ? null : <strong> ({e.result})</strong>}
            </li>
          ))}
        </ul>
      </Card>
    </section>
  );
}
