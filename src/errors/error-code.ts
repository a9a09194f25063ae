/** A stable error code: its HTTP status and the message a client sees when nothing more specific is said. */
export interface ErrorCode<C extends string = string> {
  readonly code: C;
  readonly status: number;
  readonly message: string;
}

/**
 * Declares a module's error codes: `{ ERR_X: { status, message } }` → `{ ERR_X: ErrorCode }`, for `new AppError(codes.ERR_X)`
 * and for the module manifest's `errorCodes` (`Object.values(codes)`). A code carries its domain
 * (`ERR_ACCOUNTS_…`) and never changes meaning once released; docs/errors.md documents every one.
 */
export function defineErrorCodes<K extends string>(defs: { [P in K]: { status: number; message: string } }): { [P in K]: ErrorCode<P> } {
  const out = {} as { [P in K]: ErrorCode<P> };
  for (const code of Object.keys(defs) as K[]) out[code] = Object.freeze({ code, ...defs[code] });
  return out;
}
