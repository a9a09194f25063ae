import type { EventType } from '../kernel/index.js';

/** The proxy's audit event types: every action called through the gateway is one event in the person's access log. */
export const proxyEvents: readonly EventType[] = [{ action: 'proxy.called', kind: 'proxy', label: 'Agent action through the gateway' }];
