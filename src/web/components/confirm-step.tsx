import type { ComponentChildren } from 'preact';
import { CsrfField } from './csrf-field.js';

export interface ConfirmStepProps {
  /** Where the confirming form posts (the action itself). */
  action: string;
  csrfToken?: string;
  /** What will stop working, in plain words (one item a line). */
  consequences: ComponentChildren[];
  confirmLabel: string;
  /** Where "Cancel" leads (the page the action was started from). */
  cancelHref: string;
  /** Hidden fields the action needs besides the CSRF token. */
  fields?: Record<string, string>;
}

/**
 * The second step of a destructive action: says what will stop working and asks to confirm. A plain form and
 * a link, so it works without JavaScript; reached by GET, it changes nothing by itself.
 */
export function ConfirmStep(p: ConfirmStepProps) {
  return (
    <article data-testid="confirm-step">
      <ul>
        {p.consequences.map((c) => (
          <li>{c}</li>
        ))}
      </ul>
      <form method="post" action={p.action} class="row-actions">
        <CsrfField token={p.csrfToken} />
        {Object.entries(p.fields ?? {}).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <button type="submit" class="contrast" data-testid="confirm">
          {p.confirmLabel}
        </button>
        <a href={p.cancelHref} role="button" class="secondary outline" data-testid="cancel">
          Cancel
        </a>
      </form>
    </article>
  );
}
