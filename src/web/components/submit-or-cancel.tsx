import type { ComponentChildren } from 'preact';

export interface SubmitOrCancelProps {
  /** The submit button's words. */
  label: ComponentChildren;
  /** The submit button's `data-testid`. */
  testId: string;
  /** Where "Cancel" leads (the page the form was opened from). */
  cancelHref: string;
}

/** The end of a form: its submit button and a "Cancel" link back, in one row. */
export function SubmitOrCancel(p: SubmitOrCancelProps) {
  return (
    <div class="row-actions">
      <button type="submit" data-testid={p.testId}>
        {p.label}
      </button>
      <a href={p.cancelHref} role="button" class="secondary outline">
        Cancel
      </a>
    </div>
  );
}
