import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// There is no container engine here: what can be checked without one is checked (README "Deploying to a TEE" says
// what is not). The compose file parses and runs the gateway in dstack mode; the image builds with the commands CI runs.
const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

describe('the deployment files', () => {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, { image: string; environment: Record<string, string>; volumes: string[]; ports: string[] }>;
    volumes: Record<string, unknown>;
  };
  const dockerfile = read('Dockerfile');
  const env = (name: string) => new RegExp(`^ENV[\\s\\S]*?\\b${name}=(\\S+)`, 'm').exec(dockerfile)?.[1];

  it('compose: one gateway service in dstack mode, the guest agent socket mounted, its data on a volume, no master key', () => {
    const s = compose.services.oauth3!;
    expect(s.image).toMatch(/oauth3/);
    expect(s.environment.OAUTH3_TEE).toBe('dstack');
    expect(s.environment).toHaveProperty('OAUTH3_PUBLIC_URL');
    expect(Object.keys(s.environment).filter((k) => /MASTER_KEY/.test(k))).toEqual([]);
    expect(s.volumes).toContain('/var/run/dstack.sock:/var/run/dstack.sock');
    const data = s.volumes.find((v) => v.endsWith(`:${env('OAUTH3_DATA_DIR')}`));
    expect(data, 'a volume at the image’s data directory').toBeDefined();
    expect(compose.volumes).toHaveProperty(data!.split(':')[0]!);
    expect(s.ports).toContain(`${env('OAUTH3_PORT')}:${env('OAUTH3_PORT')}`);
  });

  it('Dockerfile: builds with what CI runs (npm ci, whose prepare is npm run build), copies what the build reads, runs the built CLI', () => {
    const pkg = JSON.parse(read('package.json')) as {
      scripts: Record<string, string>;
      bin: Record<string, string>;
      engines: { node: string };
    };
    expect(read('.ci/run')).toMatch(/^npm ci$/m);
    expect(dockerfile).toMatch(/^RUN .*\bnpm ci\b/m);
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(pkg.scripts.build).toBe('node scripts/build.mjs');
    for (const needed of ['package.json package-lock.json', 'tsconfig.json tsconfig.build.json', 'scripts', 'src'])
      expect(dockerfile).toMatch(new RegExp(`^COPY ${needed.replace('.', '\\.')}\\b`, 'm'));
    // npm start and the image run the built CLI the same way, with the same node flags (bench/README.md, "Memory")
    expect(pkg.scripts.start).toMatch(new RegExp(`^node (--\\S+ )*${pkg.bin.oauth3} serve$`));
    expect(dockerfile).toContain(
      `CMD [${pkg.scripts.start
        .split(' ')
        .map((w) => `"${w}"`)
        .join(', ')}]`,
    );
    const node = /^FROM node:(\d+)/m.exec(dockerfile)![1]!;
    expect(pkg.engines.node).toContain(`>=${node}.`);
    expect(env('OAUTH3_HOST')).toBe('0.0.0.0');
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
