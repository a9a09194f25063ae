// Writes docs/configuration.md and docs/errors.md from the config schema and the error registry, so the docs
// cannot drift from the code (tests check that every option and every code is there). Run: npm run docs
import { writeFileSync } from 'node:fs';
import { schema } from '../src/config/schema.js';
import { errorCodes } from '../src/errors/error-codes.js';

const esc = (s: string) => s.replace(/\|/g, '\\|');
const show = (v: unknown) => (typeof v === 'function' ? 'derived' : v === undefined ? '—' : `\`${JSON.stringify(v)}\``);

const config = [
  '# Configuration',
  '',
  'Every option is read from its environment variable, or from the optional JSON file named by `OAUTH3_CONFIG`',
  '(keys are the names in the second column). The environment wins over the file. Values are validated at start:',
  'a bad value stops the gateway with a message naming the variable and what is wrong. The embedded defaults need',
  'no configuration at all. `OAUTH3_CONFIG` itself is only read from the environment.',
  '',
  '| variable | file key | default | what it does |',
  '|---|---|---|---|',
  ...Object.entries(schema).map(([key, o]) =>
    `| \`${o.env}\` | \`${key}\` | ${key === 'publicUrl' ? '`http://localhost:<port>`' : show(o.default)} | ${esc(o.doc)} |`),
  '',
].join('\n');

const errors = [
  '# Error codes',
  '',
  'Errors other than OAuth protocol errors are answered as `{"error": CODE, "message": "…"}` with a stable code.',
  'OAuth endpoints answer per RFC 6749 §5.2 (`{"error": "invalid_request", "error_description": "…"}`), and bearer',
  'errors carry `WWW-Authenticate` per RFC 6750. A code never changes meaning once released.',
  '',
  '| code | status | message |',
  '|---|---|---|',
  ...Object.entries(errorCodes).map(([code, e]) => `| \`${code}\` | ${e.status} | ${esc(e.message)} |`),
  '',
].join('\n');

writeFileSync('docs/configuration.md', config);
writeFileSync('docs/errors.md', errors);
process.stdout.write('wrote docs/configuration.md and docs/errors.md\n');
