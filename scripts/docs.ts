// The reference pages generated from the module manifests (config options and error codes), so the docs cannot
// drift from the code: scripts/generate-docs.ts writes them, and the tests compare them with the registries.
import { coreOptions, type OptionSchema } from '../src/config/index.js';
import type { GatewayModule } from '../src/kernel/index.js';

const esc = (s: string) => s.replace(/\|/g, '\\|');
const show = (v: unknown) => (typeof v === 'function' ? 'derived' : v === undefined ? '—' : `\`${JSON.stringify(v)}\``);

function optionRows(options: OptionSchema): string[] {
  return Object.entries(options).map(
    ([key, o]) => `| \`${o.env}\` | \`${key}\` | ${key === 'publicUrl' ? '`http://localhost:<port>`' : show(o.default)} | ${esc(o.doc)} |`,
  );
}

const table = ['| variable | file key | default | what it does |', '|---|---|---|---|'];

/** docs/configuration.md: the core options, then each module's slice under its name. */
export function configurationDoc(modules: readonly GatewayModule[]): string {
  return [
    '# Configuration',
    '',
    'Every option is read from its environment variable, or from the optional JSON file named by `OAUTH3_CONFIG`',
    '(keys are the names in the second column). The environment wins over the file. Values are validated at start:',
    'a bad value stops the gateway with a message naming the variable and what is wrong. The embedded defaults need',
    "no configuration at all. `OAUTH3_CONFIG` and `OAUTH3_MODULES` are read before the modules' own options.",
    '',
    '## Gateway',
    '',
    ...table,
    ...optionRows(coreOptions),
    ...modules
      .filter((m) => m.options && Object.keys(m.options).length)
      .flatMap((m) => ['', `## Module \`${m.name}\``, '', ...table, ...optionRows(m.options!)]),
    '',
  ].join('\n');
}

/** docs/errors.md: every error code any module declares, with the module, status and message. */
export function errorsDoc(modules: readonly GatewayModule[]): string {
  return [
    '# Error codes',
    '',
    'Errors other than OAuth protocol errors are answered as `{"error": CODE, "message": "…"}` with a stable code.',
    'A code carries its domain (`ERR_ACCOUNTS_…`, `ERR_TOKENS_…`), so a client can tell the cases apart by the code;',
    'the generic HTTP codes have none. OAuth endpoints answer per RFC 6749 §5.2 (`{"error": "invalid_request",',
    '"error_description": "…"}`), and bearer errors carry `WWW-Authenticate` per RFC 6750. A code never changes',
    'meaning once released.',
    '',
    '| code | module | status | message |',
    '|---|---|---|---|',
    ...modules.flatMap((m) => (m.errorCodes ?? []).map((e) => `| \`${e.code}\` | ${m.name} | ${e.status} | ${esc(e.message)} |`)),
    '',
  ].join('\n');
}
