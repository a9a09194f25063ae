import { closestName } from './closest-name.js';
import { ConfigError } from './load-config.js';
import type { OptionSchema } from './option.js';

/**
 * The `OAUTH3_*` variables read outside the option schema: the config file's path, the test suite's log level
 * (test/support/test-app.ts), where the pages' browser test keeps its screenshots and where the suite copies every
 * log line for its log scan (src/server/log-copy.ts). Any other `OAUTH3_*` name must be an option.
 */
export const variablesOutsideSchema: readonly string[] = ['OAUTH3_CONFIG', 'OAUTH3_TEST_LOG', 'OAUTH3_SCREENSHOTS', 'OAUTH3_LOG_COPY'];

/**
 * Refuses an `OAUTH3_*` variable in `env` that no option of `schema` (the core and every module's slice) reads,
 * naming the closest known variable: a misspelt option is otherwise silently ignored, and a misspelt security
 * option (OAUTH3_TRUST_PROXY, OAUTH3_OAUTH_REGISTRATION…) would leave the default on without a word.
 */
export function refuseUnknownVariables(env: NodeJS.ProcessEnv, schema: OptionSchema): void {
  const known = new Set([...Object.values(schema).map((o) => o.env), ...variablesOutsideSchema]);
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('OAUTH3_') || known.has(name)) continue;
    const closest = closestName(name, known);
    throw new ConfigError(
      `${name}: unknown variable${closest ? `; did you mean ${closest}?` : ''} (every variable: docs/configuration.md)`,
    );
  }
}
