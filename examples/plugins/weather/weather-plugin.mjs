// An example plugin of the oauth3 proxy: current weather from Open-Meteo (https://open-meteo.com, no account, no
// key). A plain ES module whose default export is a plugin module, as docs/plugins.md describes; load it with
//
//   OAUTH3_PLUGINS=./examples/plugins/weather/weather-plugin.mjs
//
// An agent holding a token with the scope `weather.read` then calls
//
//   curl -X POST "$OAUTH3_PUBLIC_URL/proxy/weather/current" -H "authorization: Bearer $TOKEN" \
//        -H 'content-type: application/json' -d '{"latitude": 52.52, "longitude": 13.41}'
//
// and gets { "result": { "temperature_c": …, "wind_speed_kmh": …, "time": "…" } }.

/** Where the forecast API answers: Open-Meteo, or a local stand-in in tests (then also set OAUTH3_PROXY_ALLOW_RANGES). */
const DEFAULT_API_BASE = 'https://api.open-meteo.com';

/** @type {import('../../../src/proxy/index.js').PluginModule} */
const weatherPlugin = {
  // The module's manifest: its name (unique, also its migrations' table), its options, the scopes it declares.
  name: 'weather',
  options: {
    weatherApiBase: {
      env: 'OAUTH3_WEATHER_API_BASE',
      doc: 'Base URL of the Open-Meteo forecast API the weather plugin calls.',
      default: DEFAULT_API_BASE,
      parse: (raw) => {
        const url = new URL(String(raw)); // throws on a bad URL: the start stops, naming the variable
        return url.origin;
      },
    },
  },
  scopes: [{ name: 'weather.read', description: 'Look up the current weather for a place', group: 'read' }],
  // What makes it a plugin: its id (the URL segment), its name, the hosts it may reach, its actions.
  plugin: {
    id: 'weather',
    name: 'Weather',
    // No `provider`: the API needs no credential of the person. (An X or Telegram plugin names its vault provider.)
    upstreamHosts: ({ config }) => [new URL(String(config.weatherApiBase)).host],
    actions: [
      {
        name: 'current',
        title: 'Current weather',
        description: 'The temperature (°C) and wind speed (km/h) now at a latitude and longitude.',
        scope: 'weather.read',
        readOnly: true,
        input: {
          type: 'object',
          properties: {
            latitude: { type: 'number', minimum: -90, maximum: 90, description: 'Degrees north' },
            longitude: { type: 'number', minimum: -180, maximum: 180, description: 'Degrees east' },
          },
          required: ['latitude', 'longitude'],
          additionalProperties: false,
        },
        output: {
          type: 'object',
          properties: { temperature_c: { type: 'number' }, wind_speed_kmh: { type: 'number' }, time: { type: 'string' } },
        },
        async handler({ input, upstream, config, fail }) {
          const url = new URL('/v1/forecast', String(config.weatherApiBase));
          url.search = new URLSearchParams({
            latitude: String(input.latitude),
            longitude: String(input.longitude),
            current: 'temperature_2m,wind_speed_10m',
          }).toString();
          const res = await upstream.fetch(url.href);
          if (res.status === 400) fail('refused', `Open-Meteo refused the request: ${res.json().reason ?? 'no reason given'}`);
          if (res.status !== 200) fail('failed', `Open-Meteo answered ${res.status}`);
          const body = res.json();
          return {
            temperature_c: body.current?.temperature_2m ?? null,
            wind_speed_kmh: body.current?.wind_speed_10m ?? null,
            time: body.current?.time ?? null,
          };
        },
      },
    ],
  },
};

export default weatherPlugin;
