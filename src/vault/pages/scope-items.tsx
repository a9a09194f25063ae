import { scopeWords } from './scope-words.js';

/** Scopes as a list: plain words first (when known), the code second. */
export function ScopeItems({ scopes }: { scopes: string[] }) {
  if (!scopes.length) return <p class="muted">No particular scopes: what the provider grants by default.</p>;
  return (
    <ul data-testid="scopes">
      {scopes.map((s) => {
        const words = scopeWords(s);
        return (
          <li>
            {words ?? <code>{s}</code>} {words ? <code class="scope-code">{s}</code> : null}
          </li>
        );
      })}
    </ul>
  );
}
