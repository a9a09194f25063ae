import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { editDistance } from '../../src/config/closest-name.js';
import { builtinModules, loadGateway } from '../../src/server/index.js';
import notesModule from '../kernel/notes-module.js';
import { runCli } from '../support/run-cli.js';

const refusal = async (env: NodeJS.ProcessEnv, extra = [] as typeof builtinModules) => {
  const e = await loadGateway(env, {}, extra).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).message;
};

describe('a misspelt OAUTH3_* variable refuses the start, naming the closest known one', () => {
  it('names the core option a typo was meant for (a security option silently ignored would keep its default)', async () => {
    expect(await refusal({ OAUTH3_TRUST_PROXI: 'true' })).toBe(
      'OAUTH3_TRUST_PROXI: unknown variable; did you mean OAUTH3_TRUST_PROXY? (every variable: docs/configuration.md)',
    );
    expect(await refusal({ OAUTH3_PUBLICURL: 'https://auth.example.com' })).toMatch(/did you mean OAUTH3_PUBLIC_URL\?/);
  });

  it("knows every built-in module's options, and an external module's once it is loaded", async () => {
    expect(await refusal({ OAUTH3_SESION_TTL: '3600' })).toMatch(/^OAUTH3_SESION_TTL: unknown variable; did you mean OAUTH3_SESSION_TTL\?/);
    expect(await refusal({ OAUTH3_OAUTH_REGISTRATON: 'closed' })).toMatch(/did you mean OAUTH3_OAUTH_REGISTRATION\?/);
    expect(await refusal({ OAUTH3_NOTES_GREETNG: 'hi' }, [notesModule])).toMatch(/did you mean OAUTH3_NOTES_GREETING\?/);
    const { config } = await loadGateway({ OAUTH3_NOTES_GREETING: 'hi' }, {}, [notesModule]);
    expect((config as unknown as { notesGreeting: string }).notesGreeting).toBe('hi');
  });

  it('accepts the variables read outside the schema, and ignores names without the OAUTH3_ prefix', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'oauth3-cfg-')), 'oauth3.json');
    writeFileSync(path, JSON.stringify({ port: 9400 }));
    const { config } = await loadGateway({
      OAUTH3_CONFIG: path,
      OAUTH3_TEST_LOG: 'debug',
      OAUTH3_SCREENSHOTS: '/tmp',
      OAUTH_PORT: '1',
      PATH: '/bin',
    });
    expect(config.port).toBe(9400);
  });

  it('suggests the closest option for an unknown key of the config file too', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'oauth3-cfg-')), 'oauth3.json');
    writeFileSync(path, JSON.stringify({ trustProxi: true }));
    const slices = builtinModules.map((m) => m.options ?? {});
    expect(() => loadConfig({ OAUTH3_CONFIG: path }, {}, slices)).toThrow(
      `OAUTH3_CONFIG: unknown option "trustProxi" in ${path}; did you mean "trustProxy"?`,
    );
  });

  it('stops `oauth3 migrate` with one line before it touches anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth3-typo-'));
    const r = await runCli(['migrate'], { OAUTH3_DATA_DIR: dir, OAUTH3_LOGLEVEL: 'debug' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('oauth3: OAUTH3_LOGLEVEL: unknown variable; did you mean OAUTH3_LOG_LEVEL?');
  });
});

describe('editDistance', () => {
  it('counts an insertion, a deletion, a substitution and a swap of neighbours as one edit each', () => {
    expect(editDistance('PORT', 'PORT')).toBe(0);
    expect(editDistance('PORT', 'PORTT')).toBe(1);
    expect(editDistance('PORT', 'POT')).toBe(1);
    expect(editDistance('PORT', 'PART')).toBe(1);
    expect(editDistance('PORT', 'PROT')).toBe(1);
    expect(editDistance('HOST', 'PORT')).toBe(2);
  });
});
