import { configSchema } from '../config/index.js';
import { builtinModules } from '../server/index.js';

/** `serve --help`'s epilogue: every environment variable of the built-in modules with its one line. */
export function environmentHelp(): string {
  const options = Object.values(configSchema(builtinModules.map((m) => m.options ?? {})));
  const width = Math.max(...options.map((o) => o.env.length));
  return [
    '',
    'Configuration comes from environment variables (or the JSON file OAUTH3_CONFIG names). Every variable, its',
    'default and its config-file key: docs/configuration.md. Extra modules (OAUTH3_MODULES) add their own.',
    '',
    ...options.map((o) => `  ${o.env.padEnd(width)}  ${o.doc}`),
  ].join('\n');
}
