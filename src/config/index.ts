export { loadConfig, ConfigError } from './load-config.js';
export { schema, type Config } from './schema.js';
