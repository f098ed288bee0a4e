/**
 * The example docker-compose.yml publishes walletd on the host's loopback only and takes every
 * secret from a file; config/walletd.example.json is a valid config; and every `WALLETD_*`
 * variable the ops files and README name is a real config key (no silently ignored typos).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configKeys, loadConfig } from '../../src/config/load-config.ts';
import { parseYaml, type YamlNode } from './mini-yaml.ts';
import { REPO_ROOT } from './dockerfile-parse.ts';

type YamlMap = { [key: string]: YamlNode };
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const compose = parseYaml(read('docker-compose.yml')) as YamlMap;
const services = compose.services as { [name: string]: YamlMap };
const SECRET_NAME = /PASSPHRASE|PASSWORD|SECRET|TOKEN|MNEMONIC|SEED/i;

/** Every variable name walletd would act on: each config key, plus `_FILE` for secrets. */
const knownVars = new Set(configKeys().flatMap((k) => (k.secret ? [k.envName, `${k.envName}_FILE`] : [k.envName])));

describe('mini-yaml', () => {
  it('parses maps, lists, folded scalars and quotes', () => {
    const doc = parseYaml('a:\n  b: "x: y"\n  c:\n    - 1\n    - k: v\n      m: n\n  d: >-\n    one\n    two\n');
    expect(doc).toEqual({ a: { b: 'x: y', c: ['1', { k: 'v', m: 'n' }], d: 'one two' } });
  });
});

describe('docker-compose.yml', () => {
  it('has walletd and a Bitcoin Core regtest node', () => {
    expect(Object.keys(services).sort()).toEqual(['bitcoind', 'walletd']);
    expect(services.bitcoind!.image).toMatch(/^(bitcoin\/bitcoin|ruimarinho\/bitcoin-core):/);
    const command = JSON.stringify(services.bitcoind!.command);
    for (const flag of ['-regtest', '-rpcbind=0.0.0.0', '-rpcallowip=', '-rpcport=18443']) expect(command).toContain(flag);
  });

  it('publishes ports on 127.0.0.1 only, and walletd on 127.0.0.1:7380:7380', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const port of (svc.ports as string[] | undefined) ?? []) {
        expect({ name, port }).toEqual({ name, port: expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/) });
      }
    }
    expect(services.walletd!.ports).toEqual(['127.0.0.1:7380:7380']);
  });

  it('points walletd at the node and the /data volume', () => {
    expect(services.walletd!.environment).toMatchObject({
      WALLETD_CHAIN_BACKEND: 'bitcoind',
      WALLETD_CHAIN_URL: 'http://bitcoind:18443',
      WALLETD_NETWORK: 'regtest',
    });
    expect(services.walletd!.volumes).toContainEqual(expect.stringMatching(/^[\w-]+:\/data$/));
    const volume = (services.walletd!.volumes as string[])[0]!.split(':')[0]!;
    expect(Object.keys(compose.volumes as YamlMap)).toContain(volume);
  });

  it('takes every secret from a file, never from the environment', () => {
    const topSecrets = compose.secrets as { [name: string]: YamlMap };
    for (const [name, def] of Object.entries(topSecrets)) {
      expect({ name, keys: Object.keys(def) }).toEqual({ name, keys: ['file'] });
      expect(def.file).toMatch(/^\.\/secrets\//);
    }
    for (const [svcName, svc] of Object.entries(services)) {
      const env = (svc.environment as YamlMap | undefined) ?? {};
      for (const [key, value] of Object.entries(env)) {
        if (!SECRET_NAME.test(key)) continue;
        expect({ svcName, key }).toEqual({ svcName, key: expect.stringMatching(/_FILE$/) });
        const secret = String(value).replace(/^\/run\/secrets\//, '');
        expect(value).toBe(`/run/secrets/${secret}`);
        expect(svc.secrets).toContain(secret);
        expect(Object.keys(topSecrets)).toContain(secret);
      }
    }
    expect(services.walletd!.environment).toHaveProperty('WALLETD_KEYSTORE_PASSPHRASE_FILE');
    expect(services.walletd!.environment).toHaveProperty('WALLETD_CHAIN_PASSWORD_FILE');
  });

  it('names only real WALLETD_* variables', () => {
    const names = Object.keys(services.walletd!.environment as YamlMap);
    expect(names.filter((n) => !knownVars.has(n))).toEqual([]);
  });
});

describe('config/walletd.example.json', () => {
  const example = JSON.parse(read('config/walletd.example.json')) as Record<string, unknown>;

  it('loads through loadConfig and holds the SPEC §7 shape', () => {
    const config = loadConfig({ configFile: 'config/walletd.example.json', env: {}, cwd: REPO_ROOT });
    expect(config.network).toBe('regtest');
    expect(config.chain).toMatchObject({ backend: 'bitcoind', url: 'http://127.0.0.1:18443' });
    expect(config.rpc).toMatchObject({ host: '127.0.0.1', port: 7380, allowedOrigins: [], allowedHosts: [] });
  });

  it('shows every section of the schema (networkParams is optional and documented in the README)', () => {
    const sections = [...new Set(configKeys().map((k) => k.path.split('.')[0]!))].filter((s) => s !== 'networkParams');
    expect(Object.keys(example).sort()).toEqual(sections.sort());
  });

  it('holds no secret value: secrets come from WALLETD_*_FILE', () => {
    for (const key of configKeys().filter((k) => k.secret)) {
      const value = key.path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], example);
      expect({ key: key.path, value }).toEqual({ key: key.path, value: undefined });
    }
  });

  it('is not named walletd.json (that file is loaded by default)', () => {
    expect(() => read('config/walletd.json')).toThrow();
  });
});

describe('README "Operating walletd"', () => {
  const readme = read('README.md');
  const start = readme.indexOf('## Operating walletd');
  const section = start < 0 ? '' : readme.slice(start, readme.indexOf('\n## ', start + 1) >>> 0 || undefined);

  it('exists and covers docker, compose, secrets, volumes, probes, metrics, logs, upgrades and backups', () => {
    expect(start).toBeGreaterThanOrEqual(0);
    for (const topic of ['docker run', 'docker compose', '127.0.0.1:7380:7380', '/run/secrets/', 'VOLUME', '/healthz', '/readyz', 'livenessProbe', 'readinessProbe', '/metrics', 'node:read', 'pino', 'Upgrad', 'Backup']) {
      expect({ topic, found: section.includes(topic) }).toEqual({ topic, found: true });
    }
  });

  it('names only real WALLETD_* variables', () => {
    const names = [...new Set(section.match(/\bWALLETD_[A-Z0-9_]+/g) ?? [])];
    expect(names.length).toBeGreaterThan(3);
    expect(names.filter((n) => !knownVars.has(n))).toEqual([]);
  });

  it('lists every metric the daemon exports', () => {
    const source = read('src/server/metrics.ts');
    const metrics = [...new Set(source.match(/\b(walletd|process)_[a-z_]+(?=[ {'":])/g) ?? [])].filter((m) => !m.endsWith('_'));
    expect(metrics.length).toBeGreaterThan(5);
    for (const m of metrics) expect({ m, found: section.includes(m) }).toEqual({ m, found: true });
  });
});
