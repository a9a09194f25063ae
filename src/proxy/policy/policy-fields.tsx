import type { GrantPolicy } from './policy-types.js';

/** The fields a key's limits may name, suggested under the field inputs: all for an allow-list, text for a maximum length. */
export interface SuggestedFields {
  allow: string[];
  text: string[];
}

/** The scopes (or actions) a grant form offers a policy for. */
export interface PolicyFieldsProps {
  keys: Array<{ name: string; label: string; fields?: SuggestedFields }>;
  /** The policy to show (editing one); the fields open when it is given. */
  value?: GrantPolicy | null;
  /** A refused form's fields as sent: shown again as they were typed (instead of `value`), the fields open. */
  submitted?: Record<string, unknown>;
}

const field = (what: string, key: string) => `policy_${what}:${key}`;

/**
 * The policy part of a grant form (consent, delegation, API token): per scope, an optional rate, a maximum length
 * of one input field, an allow-list of values of one input field, and "ask me each time". Read back by
 * `policyFromForm` with the same keys.
 */
export function PolicyFields({ keys, value, submitted }: PolicyFieldsProps) {
  if (!keys.length) return null;
  /** What a field shows: as typed in a refused form, else from the policy. */
  const shown = (what: string, key: string, fromPolicy: string) => {
    if (!submitted) return fromPolicy;
    const v = submitted[field(what, key)];
    return typeof v === 'string' ? v : '';
  };
  return (
    <details data-testid="policy-fields" open={value !== undefined || submitted !== undefined}>
      <summary>Limits (optional)</summary>
      {keys.map((k, i) => {
        const p = value?.actions[k.name] ?? {};
        const allow = p.constraints?.find((c) => c.kind === 'allow');
        const max = p.constraints?.find((c) => c.kind === 'max_length');
        const per = shown('rate_per', k.name, p.rate?.per ?? '');
        return (
          <fieldset data-policy-key={k.name}>
            <legend>
              {k.label} <code class="scope-code">{k.name}</code>
            </legend>
            <div class="grid">
              <label>
                At most (calls)
                <input
                  type="number"
                  name={field('rate_count', k.name)}
                  min={1}
                  max={1000000}
                  inputMode="numeric"
                  value={shown('rate_count', k.name, p.rate ? String(p.rate.count) : '')}
                />
              </label>
              <label>
                per
                <select name={field('rate_per', k.name)}>
                  <option value="day" selected={per === 'day'}>
                    day
                  </option>
                  <option value="hour" selected={per === 'hour'}>
                    hour
                  </option>
                  <option value="minute" selected={per === 'minute'}>
                    minute
                  </option>
                </select>
              </label>
            </div>
            <div class="grid">
              <label>
                Only these values of field
                <input
                  name={field('allow_field', k.name)}
                  maxLength={64}
                  placeholder={k.fields?.allow[0] ?? 'chat_id'}
                  autocomplete="off"
                  list={k.fields?.allow.length ? `policy-allow-fields-${i}` : undefined}
                  value={shown('allow_field', k.name, allow?.field ?? '')}
                />
                <FieldList id={`policy-allow-fields-${i}`} names={k.fields?.allow} />
              </label>
              <label>
                values (comma-separated)
                <input
                  name={field('allow_values', k.name)}
                  maxLength={2000}
                  placeholder="12345, 67890"
                  autocomplete="off"
                  value={shown('allow_values', k.name, allow?.values.join(', ') ?? '')}
                />
              </label>
            </div>
            <div class="grid">
              <label>
                Field with a maximum length
                <input
                  name={field('max_field', k.name)}
                  maxLength={64}
                  placeholder={k.fields?.text[0] ?? 'text'}
                  autocomplete="off"
                  list={k.fields?.text.length ? `policy-text-fields-${i}` : undefined}
                  value={shown('max_field', k.name, max?.field ?? '')}
                />
                <FieldList id={`policy-text-fields-${i}`} names={k.fields?.text} />
              </label>
              <label>
                at most (characters)
                <input
                  type="number"
                  name={field('max_length', k.name)}
                  min={0}
                  max={1000000}
                  inputMode="numeric"
                  value={shown('max_length', k.name, max ? String(max.max) : '')}
                />
              </label>
            </div>
            <label>
              <input
                type="checkbox"
                name={field('ask', k.name)}
                value="1"
                checked={shown('ask', k.name, p.ask === true ? '1' : '') === '1'}
              />{' '}
              Ask me each time (I approve each call with my passkey)
            </label>
          </fieldset>
        );
      })}
    </details>
  );
}

/** The input fields offered for a field input (its `list`), when known. */
function FieldList({ id, names }: { id: string; names?: string[] }) {
  if (!names?.length) return null;
  return (
    <datalist id={id}>
      {names.map((n) => (
        <option value={n} />
      ))}
    </datalist>
  );
}
