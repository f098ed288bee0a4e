/**
 * The Dockerfile lints clean (dockerfile-utils) and has what issue 7 and SPEC §10 require:
 * multi-stage, non-root, VOLUME /data, EXPOSE 7380, a node-based HEALTHCHECK, tini as init,
 * an explicit remote bind, and no secret in the image.
 */
import { readFileSync } from 'node:fs';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { configKeys } from '../../src/config/load-config.ts';
import {
  execForm,
  lastOf,
  parseDockerfile,
  parseHealthcheck,
  readDockerfile,
  runtimeStage,
  stageEnv,
  stages,
} from './dockerfile-parse.ts';

/** LSP DiagnosticSeverity.Error (vscode-languageserver-types). */
const SEVERITY_ERROR = 1;
const text = readDockerfile();
const runtime = runtimeStage(text);
const SECRET_NAME = /PASSPHRASE|PASSWORD|SECRET|TOKEN|MNEMONIC|SEED|XPRV|WIF/i;

describe('Dockerfile lint (dockerfile-utils)', () => {
  it('has no error diagnostics', () => {
    const errors = validate(text).filter((d) => d.severity === SEVERITY_ERROR);
    expect(errors.map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('the linter does flag a broken Dockerfile (so the check above can fail)', () => {
    const broken = 'FROM\nEXPOSE notaport\nHEALTHCHECK --interval=abc CMD true\n';
    expect(validate(broken).filter((d) => d.severity === SEVERITY_ERROR).length).toBeGreaterThan(0);
  });
});

describe('Dockerfile structure', () => {
  const all = stages(parseDockerfile(text));
  const froms = all.map((s) => s[0]!.args);

  it('is multi-stage: a bookworm build stage with the native toolchain and a slim runtime', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(froms[0]).toMatch(/^node:\$\{NODE_MAJOR\}-bookworm AS build$|^node:20-bookworm AS build$/);
    expect(froms.at(-1)).toMatch(/^node:(\$\{NODE_MAJOR\}|20)-bookworm-slim AS runtime$/);
    expect(text).toMatch(/ARG NODE_MAJOR=20\b/);
    const buildRuns = all[0]!.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
    for (const pkg of ['build-essential', 'python3', 'libssl-dev']) expect(buildRuns).toContain(pkg);
    expect(buildRuns).toMatch(/npm ci\b/);
    expect(buildRuns).toMatch(/tsc --noEmit/);
    expect(buildRuns).toMatch(/npm prune --omit=dev/);
  });

  it('the runtime stage installs only libssl3, ca-certificates and tini, and no compiler', () => {
    const runs = runtime.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
    const installed = [...runs.matchAll(/apt-get install[^&]*/g)].flatMap((m) =>
      m[0].split(/\s+/).filter((w) => w && !w.startsWith('-') && !['apt-get', 'install'].includes(w)),
    );
    expect(installed.sort()).toEqual(['ca-certificates', 'libssl3', 'tini']);
    expect(runs).not.toMatch(/npm (ci|install)/);
  });

  it('copies the compiled daemon and production node_modules from the build stage, and no TypeScript', () => {
    const copies = runtime.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    for (const path of ['node_modules', 'bin', 'dist/src', 'dist/clients', 'package.json', 'config']) {
      expect(copies.some((c) => c.startsWith('--from=build') && c.includes(`/app/${path}`))).toBe(true);
    }
    expect(copies.filter((c) => /\/app\/src\b|\.ts\b/.test(c))).toEqual([]);
    // SPEC §11: no TypeScript loader at run time, so none among the production dependencies.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.dependencies.esbuild).toBeUndefined();
    const buildRuns = all[0]!.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
    expect(buildRuns).toMatch(/npm run build/);
    expect(buildRuns).toMatch(/test ! -e node_modules\/tsx/);
    // The addon's sources and object files stay in the build stage.
    expect(buildRuns).toMatch(/sqlcipher\/src/);
    expect(buildRuns).toMatch(/sqlcipher\/deps/);
    expect(buildRuns).toMatch(/obj\.target/);
  });

  it('runs as a fixed non-root uid', () => {
    const user = lastOf(runtime, 'USER')?.args;
    expect(user).toBeDefined();
    const uid = user!.split(':')[0]!;
    expect(uid).not.toMatch(/^(0|root)$/);
    expect(uid).toBe('10001');
    expect(runtime.some((i) => i.keyword === 'RUN' && /useradd .*--uid 10001/.test(i.args))).toBe(true);
  });

  it('declares VOLUME /data and EXPOSE 7380', () => {
    expect(runtime.filter((i) => i.keyword === 'VOLUME').map((i) => i.args)).toContainEqual(expect.stringMatching(/^(\["\/data"\]|\/data)$/));
    expect(runtime.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/))).toContain('7380');
  });

  it('binds 0.0.0.0 with rpc.allowRemote set explicitly, and keeps data in /data', () => {
    const env = stageEnv(runtime);
    expect(env).toMatchObject({ WALLETD_DATADIR: '/data', WALLETD_RPC_HOST: '0.0.0.0', WALLETD_RPC_ALLOW_REMOTE: 'true' });
    expect(text).toMatch(/-p 127\.0\.0\.1:7380:7380/);
  });

  it('every WALLETD_* variable it sets is a real config key', () => {
    const known = new Set(configKeys().flatMap((k) => (k.secret ? [k.envName, `${k.envName}_FILE`] : [k.envName])));
    const names = Object.keys(stageEnv(runtime)).filter((n) => n.startsWith('WALLETD_'));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !known.has(n))).toEqual([]);
  });

  it('bakes no secret into the image', () => {
    for (const stage of all) {
      for (const [name, value] of Object.entries(stageEnv(stage))) {
        if (SECRET_NAME.test(name)) {
          expect(name).toMatch(/_FILE$/);
          expect(value).toMatch(/^\/run\/secrets\//);
        }
      }
      for (const ins of stage.filter((i) => i.keyword === 'ARG')) expect(ins.args).not.toMatch(SECRET_NAME);
    }
    const copied = runtime.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD').map((i) => i.args).join('\n');
    expect(copied).not.toMatch(/secrets|\.key\b|admin\.token|walletd\.json\b/);
  });

  it('HEALTHCHECK probes /healthz with node itself (no curl or wget anywhere)', () => {
    const hc = lastOf(runtime, 'HEALTHCHECK');
    expect(hc).toBeDefined();
    const { command, options } = parseHealthcheck(hc!.args);
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('/healthz');
    expect(Object.keys(options)).toEqual(expect.arrayContaining(['interval', 'timeout', 'start-period', 'retries']));
    const instructions = parseDockerfile(text).map((i) => `${i.keyword} ${i.args}`).join('\n');
    expect(instructions).not.toMatch(/\b(curl|wget)\b/);
  });

  it('tini is the ENTRYPOINT and CMD starts the bin with node', () => {
    expect(execForm(lastOf(runtime, 'ENTRYPOINT')!.args)).toEqual(['/usr/bin/tini', '--']);
    expect(execForm(lastOf(runtime, 'CMD')!.args)).toEqual(['node', '--max-old-space-size=1024', 'bin/walletd.mjs']);
  });
});

describe('.dockerignore', () => {
  const ignore = readFileSync(new URL('../../.dockerignore', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps node_modules, data, .git, secrets and local config out of the build context', () => {
    for (const entry of ['node_modules', 'data', '.git', 'coverage', '*.log', 'secrets', 'config/walletd.json']) {
      expect(ignore).toContain(entry);
    }
  });

  it('does not exclude what the Dockerfile copies', () => {
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'src', 'clients', 'config']) {
      expect(ignore).not.toContain(needed);
    }
  });
});
