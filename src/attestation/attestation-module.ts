import type { GatewayModule } from '../kernel/index.js';
import { attestationErrors } from './attestation-errors.js';
import { attestationOptions } from './attestation-options.js';
import { attestationRoutes } from './attestation-routes.js';

/**
 * Attestation (issue 18): the TEE options (the TEE itself is opened with the master key, in createContext: openTee)
 * and /.well-known/oauth3-attestation.
 */
export const attestationModule: GatewayModule = {
  name: 'attestation',
  options: attestationOptions,
  errorCodes: Object.values(attestationErrors),
  routes: attestationRoutes,
};
