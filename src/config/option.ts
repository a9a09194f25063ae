/**
 * A typed config option: where it comes from (env name, file key), how a string is parsed, its default and
 * the reason it exists. The core and each module declare a slice of these; `loadConfig` reads them all.
 */
export interface Option<T> {
  /** Environment variable name (fixed: operators rely on it). */
  env: string;
  /** One line for the docs: what it does and the RFC or reason it exists. */
  doc: string;
  /** Default when neither env nor file sets it; a function derives it from the other resolved values. */
  default: T | ((partial: Record<string, unknown>) => T);
  /** Turns an env string or a file value into T, or throws an Error whose message says what is wrong. */
  parse: (raw: unknown) => T;
}

function fail(message: string): never {
  throw new Error(message);
}

function asString(raw: unknown): string {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return fail(`expected a string, got ${typeof raw}`);
}

export const opt = {
  string<T extends string | undefined = string>(env: string, doc: string, dflt: NoInfer<Option<T>['default']>): Option<T> {
    return { env, doc, default: dflt, parse: (raw) => asString(raw) as T };
  },
  int(env: string, doc: string, dflt: number, min: number, max: number): Option<number> {
    return {
      env,
      doc,
      default: dflt,
      parse(raw) {
        const s = asString(raw);
        if (!/^-?\d+$/.test(s)) fail(`"${s}" is not a whole number`);
        const n = Number(s);
        if (n < min || n > max) fail(`${n} is outside ${min}..${max}`);
        return n;
      },
    };
  },
  /** A whole number in min..max, or `auto`: `auto()` (say, the number of CPUs). */
  countOrAuto(env: string, doc: string, dflt: number, min: number, max: number, auto: () => number): Option<number> {
    const int = opt.int(env, doc, dflt, min, max);
    return { ...int, parse: (raw) => (asString(raw).toLowerCase() === 'auto' ? Math.min(max, Math.max(min, auto())) : int.parse(raw)) };
  },
  bool(env: string, doc: string, dflt: boolean): Option<boolean> {
    return {
      env,
      doc,
      default: dflt,
      parse(raw) {
        const s = asString(raw).toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(s)) return true;
        if (['0', 'false', 'no', 'off'].includes(s)) return false;
        return fail(`"${s}" is not a boolean (use true or false)`);
      },
    };
  },
  enumOf<T extends string>(env: string, doc: string, dflt: T, values: readonly T[]): Option<T> {
    return {
      env,
      doc,
      default: dflt,
      parse(raw) {
        const s = asString(raw) as T;
        if (!values.includes(s)) fail(`"${s}" is not one of ${values.join(', ')}`);
        return s;
      },
    };
  },
  url(env: string, doc: string, dflt: Option<string>['default'], protocols: string[] = ['http:', 'https:']): Option<string> {
    return {
      env,
      doc,
      default: dflt,
      parse(raw) {
        const s = asString(raw);
        let u: URL;
        try {
          u = new URL(s);
        } catch {
          return fail(`"${s}" is not a URL`);
        }
        if (!protocols.includes(u.protocol)) fail(`protocol must be one of ${protocols.join(', ')}`);
        return s.replace(/\/+$/, '');
      },
    };
  },
  optionalUrl(env: string, doc: string, protocols: string[]): Option<string | undefined> {
    const inner = opt.url(env, doc, '', protocols);
    return { env, doc, default: undefined, parse: (raw) => (asString(raw) === '' ? undefined : inner.parse(raw)) };
  },
  /** Space- or comma-separated list in env; an array in the config file. */
  list(env: string, doc: string, dflt: string[]): Option<string[]> {
    return {
      env,
      doc,
      default: dflt,
      parse(raw) {
        if (Array.isArray(raw)) return raw.map(asString).filter(Boolean);
        return asString(raw)
          .split(/[\s,]+/)
          .filter(Boolean);
      },
    };
  },
  /** A JSON value (env holds JSON text) checked by `check`, which returns an error message or undefined. */
  json<T>(env: string, doc: string, dflt: T, check: (v: unknown) => string | undefined): Option<T> {
    return {
      env,
      doc,
      default: dflt,
      parse(raw) {
        let v = raw;
        if (typeof raw === 'string') {
          try {
            v = JSON.parse(raw);
          } catch {
            return fail('is not valid JSON');
          }
        }
        const problem = check(v);
        if (problem) fail(problem);
        return v as T;
      },
    };
  },
};

/** A slice of the config schema: option name (the config file's key) → Option. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OptionSchema = Record<string, Option<any>>;

/** The validated values of a slice. */
export type OptionValues<S extends OptionSchema> = { [K in keyof S]: S[K] extends { parse: (raw: unknown) => infer T } ? T : never };
