/** The hidden CSRF field every state-changing form carries. */
export function CsrfField({ token }: { token?: string }) {
  return <input type="hidden" name="_csrf" value={token ?? ''} />;
}
