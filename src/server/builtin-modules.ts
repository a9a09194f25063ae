import type { GatewayModule } from '../kernel/index.js';
import { gatewayModule } from './gateway-module.js';
import { webModule } from '../web/index.js';
import { auditModule } from '../audit/index.js';
import { scopesModule } from '../scopes/index.js';
import { accountsModule } from '../accounts/index.js';
import { tokensModule } from '../tokens/index.js';
import { oauthModule } from '../oauth/index.js';
import { agentsModule } from '../agents/index.js';
import { overviewModule } from '../overview/index.js';
import { vaultModule } from '../vault/index.js';
import { proxyModule, builtinPlugins } from '../proxy/index.js';
import { attestationModule } from '../attestation/index.js';

/**
 * The built-in modules, in order: migrations run, declarations register, modules start and routes are added in
 * this order (the accounts' session hook before the routes that read sessions). The one list of them.
 */
export const builtinModules: readonly GatewayModule[] = [
  gatewayModule,
  webModule,
  auditModule,
  scopesModule,
  accountsModule,
  tokensModule,
  oauthModule,
  agentsModule,
  vaultModule,
  proxyModule,
  ...builtinPlugins,
  overviewModule,
  attestationModule,
];
