import { CsrfField, Flash, SubmitOrCancel } from '../../web/index.js';
import type { KeyField, KeyProvider } from '../providers/index.js';

/** One input per field of a key provider: secret fields are password inputs, never filled in again. */
export function KeyInputs({ fields, kept }: { fields: readonly KeyField[]; kept?: Record<string, string> }) {
  return (
    <>
      {fields.map((f) => {
        const attrs = { name: f.name, required: true, autocomplete: 'off', 'data-testid': `key-field-${f.name}` };
        return (
          <label>
            {f.label}
            {f.secret ? <input type="password" {...attrs} /> : <input type="text" value={kept?.[f.name] ?? ''} {...attrs} />}
          </label>
        );
      })}
    </>
  );
}

export interface KeyFormProps {
  provider: KeyProvider;
  /** Values to keep after a refusal: only fields that are not secret. */
  kept?: Record<string, string>;
  error?: string;
  /** Whether a connection exists (this replaces its key). */
  replacing: boolean;
  csrfToken?: string;
}

/**
 * The form of a key provider: one input per field (secret fields are password inputs, never filled in again). The
 * patterns are checked on the server (a pattern attribute would be read in the browser's `v` regex mode, where some
 * valid provider patterns are not).
 */
export function KeyForm({ provider, kept, error, replacing, csrfToken }: KeyFormProps) {
  return (
    <article data-testid="key-form">
      <Flash kind="error" message={error} />
      <form method="post" action={`/account/connections/${encodeURIComponent(provider.id)}/connect`}>
        <CsrfField token={csrfToken} />
        <KeyInputs fields={provider.fields} kept={kept} />
        <p class="muted">
          {provider.fields.some((f) => f.secret) ? 'The gateway seals what you enter and never shows it again. ' : ''}
          {provider.verify ? `It checks it with ${provider.name} first. ` : ''}
          {replacing ? 'This replaces the key stored now.' : ''}
        </p>
        <SubmitOrCancel label={replacing ? 'Replace' : 'Connect'} testId="save-key" cancelHref="/account/connections" />
      </form>
    </article>
  );
}
