import { definePlugin } from '../../src/proxy/index.js';

/** A plugin whose manifest is wrong (its action's scope is not declared by its module): the start must stop, naming it. */
export default definePlugin({
  name: 'broken',
  scopes: [{ name: 'broken.read', description: 'Read nothing' }],
  plugin: {
    id: 'broken',
    name: 'Broken',
    upstreamHosts: [],
    actions: [
      {
        name: 'go',
        title: 'Go',
        description: 'Never runs.',
        scope: 'broken.write',
        input: { type: 'object' },
        async handler() {
          return null;
        },
      },
    ],
  },
});
