import type { Command } from 'commander';
import { loadProviders, type Provider } from '../vault/index.js';
import { loadGateway } from '../server/index.js';
import { printList, type Column } from './print-list.js';

/** A provider as `provider list` shows it: never its secret, only whether one is set. */
export interface ProviderRow {
  id: string;
  name: string;
  kind: Provider['kind'];
  /** The issuer (discovery), or the hosts of the explicit endpoints; for a key provider, its API's host if known. */
  upstream: string | null;
  scopes: string[];
  /** Whether a client secret is set (null: a key provider, whose secrets people enter). */
  secret: boolean | null;
}

function rowOf(p: Provider): ProviderRow {
  if (p.kind === 'api_key')
    return { id: p.id, name: p.name, kind: p.kind, upstream: p.apiBase ? new URL(p.apiBase).host : null, scopes: [], secret: null };
  const hosts = [...new Set([p.authorizationEndpoint, p.tokenEndpoint].filter((u): u is string => !!u).map((u) => new URL(u).host))];
  return { id: p.id, name: p.name, kind: p.kind, upstream: p.issuer ?? hosts.join(' '), scopes: p.scopes, secret: !!p.clientSecret };
}

const columns: Column<ProviderRow>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'NAME', value: (r) => r.name },
  { header: 'KIND', value: (r) => r.kind },
  { header: 'ISSUER / HOST', value: (r) => r.upstream },
  { header: 'SCOPES', value: (r) => r.scopes.join(' ') },
  { header: 'SECRET', value: (r) => (r.secret === null ? null : r.secret ? 'set' : 'none') },
];

/**
 * `oauth3 provider list`: the upstream providers people may connect, as the gateway would load them at start
 * (OAUTH3_PROVIDERS and OAUTH3_PROVIDERS_FILE, validated: a bad entry fails with the message the start gives).
 * Reads no database.
 */
export function providerCommand(program: Command): void {
  const provider = program.command('provider').description('the upstream providers people may connect (the credential vault)');
  provider
    .command('list')
    .description('list the configured providers: id, name, kind, issuer or endpoint hosts, scopes, whether a client secret is set')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { config } = await loadGateway();
      const rows = loadProviders(config).map(rowOf);
      printList(rows, columns, { json: o.json, empty: 'no providers configured (OAUTH3_PROVIDERS, OAUTH3_PROVIDERS_FILE)' });
    });
}
