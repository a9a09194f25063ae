export { loadConfig, configSchema, ConfigError } from './load-config.js';
export { refuseUnknownVariables, variablesOutsideSchema } from './unknown-variables.js';
export { coreOptions } from './core-options.js';
export { opt, type Option, type OptionSchema, type OptionValues } from './option.js';
export type { Config } from './config.js';
export { closestName } from './closest-name.js';
