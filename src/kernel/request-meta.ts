/** Where a request came from, as stored on sessions and audit events (null when unknown). */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}
