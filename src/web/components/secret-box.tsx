import type { ShownSecret } from '../one-time-flash.js';

/**
 * A secret shown this once: each value wraps on any width and has a copy button (wired by the browser script;
 * without JavaScript the value can still be selected).
 */
export function SecretBox({ secret }: { secret?: ShownSecret | null }) {
  if (!secret) return null;
  return (
    <article data-testid="shown-once" class="secret-box">
      <p>
        <strong>{secret.label}</strong> Copy it now: it will not be shown again.
      </p>
      {secret.values.map(([k, v]) => (
        <div class="secret">
          <span class="muted">{k}</span>
          <code id={`secret-${k}`} data-testid={`shown-${k}`}>
            {v}
          </code>
          <button type="button" class="secondary outline" data-copy={`secret-${k}`} data-testid={`copy-${k}`} hidden>
            Copy
          </button>
        </div>
      ))}
    </article>
  );
}
