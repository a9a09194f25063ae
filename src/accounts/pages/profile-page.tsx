import { CsrfField, Flash, TimeText } from '../../web/index.js';
import type { User } from '../users.js';

export interface ProfilePageProps {
  user: User;
  /** Values to show in the form (the submitted ones after a refusal). */
  values?: Partial<Record<'username' | 'email' | 'phone' | 'wallet', string>>;
  csrfToken?: string;
  error?: string | null;
  errorField?: string;
  ok?: string | null;
}

const fields = [
  ['username', 'Username', 'text', 'username', 'Optional, unique.'],
  ['email', 'Email', 'email', 'email', 'Optional, unique.'],
  ['phone', 'Phone', 'tel', 'tel', 'International E.164 form, e.g. +14155550123.'],
  ['wallet', 'Wallet address', 'text', 'off', 'EVM address 0x…; mixed case must be a valid EIP-55 checksum.'],
] as const;

/** Profile: account id, created, and the optional fields (each change is audited). */
export function ProfilePage({ user, values, csrfToken, error, errorField, ok }: ProfilePageProps) {
  return (
    <section data-page="profile">
      <Flash kind="error" message={error} />
      <Flash kind="ok" message={ok} />
      <p>
        Account <code data-testid="user-id">{user.id}</code>, created <TimeText ms={user.createdAt} />.
      </p>
      <form method="post" action="/account/profile">
        <CsrfField token={csrfToken} />
        {fields.map(([name, label, type, autocomplete, help]) => (
          <label for={`profile-${name}`}>
            {label}
            <input
              id={`profile-${name}`}
              name={name}
              type={type as 'text'}
              autocomplete={autocomplete}
              maxLength={254}
              value={values?.[name] ?? user[name] ?? ''}
              aria-invalid={errorField === name ? 'true' : undefined}
              aria-describedby={`profile-${name}-help`}
              data-testid={`profile-${name}`}
            />
            <small id={`profile-${name}-help`}>{help}</small>
          </label>
        ))}
        <button type="submit" data-testid="save-profile">
          Save profile
        </button>
      </form>
      <dl data-testid="profile-view">
        {fields.map(([name, label]) => (
          <>
            <dt>{label}</dt>
            <dd data-testid={`view-${name}`}>{user[name] ?? <span class="muted">not set</span>}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}
