// The proxy plugin of bench/memory.bench.ts, loaded by `oauth3 serve` through OAUTH3_PLUGINS: one action, `memo.echo`,
// posting its input to the bench's echo upstream (OAUTH3_BENCH_UPSTREAM) with the person's GitHub credential.
import { opt } from '../src/config/index.js';
import { definePlugin } from '../src/proxy/index.js';

export default definePlugin({
  name: 'memo',
  options: { benchUpstream: opt.string('OAUTH3_BENCH_UPSTREAM', 'Base URL of the bench echo upstream.', '') },
  scopes: [{ name: 'memo.echo', description: 'Echo through the bench upstream', group: 'act' }],
  plugin: {
    id: 'memo',
    name: 'Memo',
    provider: 'github',
    upstreamHosts: ({ config }) => [new URL(String(config.benchUpstream)).host],
    actions: [
      {
        name: 'echo',
        title: 'Echo',
        description: 'Posts the text to the bench upstream.',
        scope: 'memo.echo',
        input: {
          type: 'object',
          properties: { text: { type: 'string', maxLength: 200 } },
          required: ['text'],
          additionalProperties: false,
        },
        async handler({ input, upstream, config }) {
          return (await upstream.fetch(`${String(config.benchUpstream)}/echo`, { method: 'POST', json: input })).json();
        },
      },
    ],
  },
});
