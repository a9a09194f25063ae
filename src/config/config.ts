import type { OptionValues } from './option.js';
import type { coreOptions } from './core-options.js';

/**
 * The validated configuration: the gateway's core options, and each module's slice, which the module adds to
 * this interface where it declares its options (`declare module '../config/config.js'`).
 */
export interface Config extends OptionValues<typeof coreOptions> {
  /** Path of the config file read, if any (OAUTH3_CONFIG). */
  configFile?: string;
}
