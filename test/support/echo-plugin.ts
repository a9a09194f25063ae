import { opt } from '../../src/config/index.js';
import { definePlugin } from '../../src/proxy/index.js';

/**
 * The proxy's test plugin: `echo` acts with the person's `upstream` connection (the test OIDC upstream's token)
 * against the echo upstream at OAUTH3_ECHO_UPSTREAM (its only allow-listed host). Its actions exercise the host:
 * `say` (a JSON POST), `fetch` (a URL from the input: the allow-list), `note` (a header from the input: injection).
 */
export const echoPlugin = definePlugin({
  name: 'echo',
  options: { echoUpstream: opt.string('OAUTH3_ECHO_UPSTREAM', 'Base URL of the echo upstream (tests).', '') },
  scopes: [
    { name: 'echo.say', description: 'Say something through the echo upstream', group: 'act' },
    { name: 'echo.read', description: 'Read from the echo upstream', group: 'read' },
  ],
  plugin: {
    id: 'echo',
    name: 'Echo',
    provider: 'upstream',
    upstreamHosts: ({ config }) => [new URL(String(config.echoUpstream)).host],
    actions: [
      {
        name: 'say',
        title: 'Say something',
        description: 'Posts the text to the echo upstream and returns what it echoed.',
        scope: 'echo.say',
        input: {
          type: 'object',
          properties: { text: { type: 'string', minLength: 1, maxLength: 200 }, times: { type: 'integer', minimum: 1, maximum: 3 } },
          required: ['text'],
          additionalProperties: false,
        },
        async handler({ input, upstream, config }) {
          const res = await upstream.fetch(`${String(config.echoUpstream)}/say`, { method: 'POST', json: input });
          return res.json();
        },
      },
      {
        name: 'fetch',
        title: 'Fetch a URL',
        description: 'GETs the URL given (only the echo upstream is allowed).',
        scope: 'echo.read',
        readOnly: true,
        input: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'], additionalProperties: false },
        async handler({ input, upstream }) {
          const res = await upstream.fetch(input.url);
          return res.status === 200 ? res.json() : { status: res.status };
        },
      },
      {
        name: 'swallow',
        title: 'Say, catching every error',
        description: 'Like say, but a careless handler: it catches what the upstream client throws.',
        scope: 'echo.say',
        input: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
        async handler({ input, upstream, config }) {
          try {
            return (await upstream.fetch(`${String(config.echoUpstream)}/say`, { method: 'POST', json: input })).json();
          } catch {
            return { caught: true };
          }
        },
      },
      {
        name: 'note',
        title: 'Send a note header',
        description: 'GETs the echo upstream with the note as the X-Note header.',
        scope: 'echo.read',
        readOnly: true,
        input: { type: 'object', properties: { note: { type: 'string' }, header: { type: 'string' } }, required: ['note'] },
        async handler({ input, upstream, config }) {
          const res = await upstream.fetch(`${String(config.echoUpstream)}/note`, { headers: { [input.header ?? 'x-note']: input.note } });
          return res.json();
        },
      },
    ],
  },
});

/** A second plugin, for "another plugin's scope": no provider, one action. */
export const otherPlugin = definePlugin({
  name: 'other',
  scopes: [{ name: 'other.ping', description: 'Ping the other plugin', group: 'read' }],
  plugin: {
    id: 'other',
    name: 'Other',
    upstreamHosts: [],
    actions: [
      {
        name: 'ping',
        title: 'Ping',
        description: 'Answers pong without calling anything.',
        scope: 'other.ping',
        input: { type: 'object', properties: {}, additionalProperties: false },
        async handler() {
          return { pong: true };
        },
      },
    ],
  },
});

/** The echo plugin as a module `oauth3 serve` loads through OAUTH3_PLUGINS (its default export). */
export default echoPlugin;
