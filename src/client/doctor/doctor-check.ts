/** One check of `oauth3 doctor`: pass, fail (why) or skip (why it could not run: never counted as a pass). */
export interface DoctorCheck {
  /** A stable name: `challenge`, `resource-metadata`, `issuer`, `pkce`, `iss-parameter`, `token-endpoint`, `registration`, `audience`, `cimd-private-addresses`. */
  name: string;
  status: 'pass' | 'fail' | 'skip';
  /** What was seen (pass) or what is wrong and where (fail, skip). */
  detail: string;
}
