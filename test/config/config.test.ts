import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig as loadWith, opt, type Config } from '../../src/config/index.js';
import { builtinModules } from '../../src/server/index.js';

/** The built-in modules' slices: the whole schema of a gateway without extra modules. */
const slices = builtinModules.map((m) => m.options ?? {});
const loadConfig = (env: NodeJS.ProcessEnv, overrides: Partial<Config> = {}) => loadWith(env, overrides, slices);

const file = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'oauth3-cfg-')), 'oauth3.json');
  writeFileSync(path, content);
  return path;
};

describe('config', () => {
  it('needs nothing for the embedded defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:8000',
      dataDir: './data',
      databaseUrl: undefined,
      logLevel: 'info',
    });
  });

  it('runs one process unless asked for workers: a number, or auto (one per CPU)', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ OAUTH3_WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ OAUTH3_WORKERS: 'auto' }).workers).toBe(Math.min(64, availableParallelism()));
  });

  it('derives the public URL from the port', () => {
    expect(loadConfig({ OAUTH3_PORT: '9100' }).publicUrl).toBe('http://localhost:9100');
    expect(loadConfig({ OAUTH3_PORT: '9100', OAUTH3_PUBLIC_URL: 'https://auth.example.com/' }).publicUrl).toBe('https://auth.example.com');
  });

  it.each([
    ['OAUTH3_PORT', '70000', 'OAUTH3_PORT: 70000 is outside 0..65535'],
    ['OAUTH3_PORT', 'abc', 'OAUTH3_PORT: "abc" is not a whole number'],
    ['OAUTH3_PUBLIC_URL', 'not a url', 'OAUTH3_PUBLIC_URL: "not a url" is not a URL'],
    ['OAUTH3_PUBLIC_URL', 'ftp://x', 'OAUTH3_PUBLIC_URL: protocol must be one of http:, https:'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL: protocol must be one of postgres:, postgresql:'],
    ['OAUTH3_LOG_LEVEL', 'loud', 'OAUTH3_LOG_LEVEL: "loud" is not one of fatal, error, warn, info, debug, trace, silent'],
    ['OAUTH3_TRUST_PROXY', 'maybe', 'OAUTH3_TRUST_PROXY: "maybe" is not a boolean (use true or false)'],
    ['OAUTH3_WORKERS', '0', 'OAUTH3_WORKERS: 0 is outside 1..64'],
    ['OAUTH3_WORKERS', 'many', 'OAUTH3_WORKERS: "many" is not a whole number'],
  ])('names %s when it is %j', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('reads the optional config file; env wins over it', () => {
    const path = file(JSON.stringify({ port: 9200, logLevel: 'debug' }));
    expect(loadConfig({ OAUTH3_CONFIG: path })).toMatchObject({ port: 9200, logLevel: 'debug', configFile: path });
    expect(loadConfig({ OAUTH3_CONFIG: path, OAUTH3_PORT: '9300' }).port).toBe(9300);
  });

  it('names the file and the option for a bad file value, an unknown key, bad JSON or a missing file', () => {
    const bad = file(JSON.stringify({ port: 'x' }));
    expect(() => loadConfig({ OAUTH3_CONFIG: bad })).toThrow(`OAUTH3_PORT ("port" in ${bad}): "x" is not a whole number`);
    const unknown = file(JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ OAUTH3_CONFIG: unknown })).toThrow(`OAUTH3_CONFIG: unknown option "prot" in ${unknown}`);
    const broken = file('{');
    expect(() => loadConfig({ OAUTH3_CONFIG: broken })).toThrow(`OAUTH3_CONFIG: ${broken} is not valid JSON`);
    expect(() => loadConfig({ OAUTH3_CONFIG: '/nonexistent/oauth3.json' })).toThrow(
      'OAUTH3_CONFIG: cannot read /nonexistent/oauth3.json: ENOENT',
    );
  });

  it("reads a module's slice like the core options, and refuses a name or variable declared twice", () => {
    const slice = { answer: opt.int('OAUTH3_TEST_ANSWER', 'A test option.', 42, 0, 100) };
    expect((loadWith({ OAUTH3_TEST_ANSWER: '7' }, {}, [slice]) as unknown as { answer: number }).answer).toBe(7);
    expect((loadWith({}, {}, [slice]) as unknown as { answer: number }).answer).toBe(42);
    expect(() => loadWith({ OAUTH3_TEST_ANSWER: '700' }, {}, [slice])).toThrow('OAUTH3_TEST_ANSWER: 700 is outside 0..100');
    expect(() => configSchema([slice, { answer: opt.bool('OAUTH3_OTHER', 'x', false) }])).toThrow('option "answer" is declared twice');
    expect(() => configSchema([slice, { other: opt.bool('OAUTH3_TEST_ANSWER', 'x', false) }])).toThrow(
      'OAUTH3_TEST_ANSWER is declared twice',
    );
    expect(() => configSchema([{ port: opt.int('OAUTH3_PORT2', 'x', 1, 0, 2) }])).toThrow('option "port" is declared twice');
  });

  it("reads a module's option from the config file too, and refuses an unknown key only once every slice is known", () => {
    const path = file(JSON.stringify({ oauthAccessTokenTtl: 120 }));
    expect(loadConfig({ OAUTH3_CONFIG: path }).oauthAccessTokenTtl).toBe(120);
    expect(() => loadWith({ OAUTH3_CONFIG: path })).toThrow('unknown option "oauthAccessTokenTtl"');
    expect(loadWith({ OAUTH3_CONFIG: path, OAUTH3_MODULES: './x.js' }, {}, [], ['modules']).modules).toEqual(['./x.js']);
  });

  it('documents every option in docs/configuration.md', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const [key, option] of Object.entries(configSchema(slices))) {
      expect(doc, `docs/configuration.md lacks ${option.env}`).toContain(`\`${option.env}\``);
      expect(doc, `docs/configuration.md lacks the file key ${key}`).toContain(`\`${key}\``);
    }
  });
});
