import type { GatewayModule } from '../kernel/index.js';
import { migrations } from './migrations/index.js';

/** The audit log: its table. The writer is built by createContext; event types come from every manifest. */
export const auditModule: GatewayModule = {
  name: 'audit',
  migrations,
};
