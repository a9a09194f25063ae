// Writes docs/configuration.md and docs/errors.md from the module manifests (the built-ins, and those OAUTH3_MODULES
// names), so the docs cannot drift from the code. Run: npm run docs [-- OUTPUT_DIR]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayModules } from '../src/server/index.js';
import { configurationDoc, errorsDoc } from './docs.js';

const dir = process.argv[2] ?? 'docs';
const modules = await gatewayModules(process.env);
writeFileSync(join(dir, 'configuration.md'), configurationDoc(modules));
writeFileSync(join(dir, 'errors.md'), errorsDoc(modules));
process.stdout.write(`wrote ${join(dir, 'configuration.md')} and ${join(dir, 'errors.md')}\n`);
