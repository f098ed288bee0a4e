/**
 * @walletd/client as another app installs it (issue 14): the packed tarball, installed offline
 * into a fresh project with nothing else, then used from plain ESM, CommonJS, TypeScript emitted
 * with tsc (strict, exactOptionalPropertyTypes, node16) and type-checked under the bundler and
 * node10 resolutions, against a real daemon. A typo in a method or a param fails the consumer's tsc.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess, type DaemonProcess } from '../daemon/daemon-process.ts';

const exec = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const CLIENT_DIR = join(ROOT, 'clients', 'typescript');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let app: string;
let daemonDir: string;
let daemon: DaemonProcess & { url: string; socket: string };
let env: NodeJS.ProcessEnv;

/** Runs a command in the consumer project; resolves with its exit code and output. */
async function sh(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd: app, env, timeout: 60_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const tsc = (config: string) => sh(process.execPath, [TSC, '-p', config]);

function write(name: string, text: string): void {
  writeFileSync(join(app, name), text);
}

// What every consumer program checks against the daemon: a typed call, and a typed error.
const BODY = `
const client = createClient({ url: process.env.WALLETD_URL }, { token: process.env.WALLETD_TOKEN });
const me = await client.tokenInfo();
const err = await client.getBalance({ wallet: 'missing' }).catch((e) => e);
console.log(JSON.stringify({ scopes: me.scopes.length, code: err.data.code, number: err.code, matched: isWalletdRpcError(err, 'WALLET_NOT_FOUND') }));
`;

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'walletd-consumer-'));
  // The child processes get no test-only variables: a consumer's machine has none.
  env = { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_cache: process.env.npm_config_cache };
  // `npm pack` runs the package's prepack (its build), so the tarball holds fresh dist/ files.
  const packed = await exec(NPM, ['pack', '--silent', '--pack-destination', app], { cwd: CLIENT_DIR, timeout: 120_000 });
  const tarball = packed.stdout.trim().split('\n').pop()!;
  write('package.json', JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  const install = await sh(NPM, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', `./${tarball}`]);
  expect(install.code, install.out).toBe(0);
  daemonDir = mkdtempSync(join(tmpdir(), 'walletd-consumer-daemon-'));
  daemon = await startDaemonProcess(daemonDir);
  env.WALLETD_URL = daemon.url;
  env.WALLETD_TOKEN = readFileSync(join(daemonDir, 'admin.token'), 'utf8').trim();
}, 180_000);

afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  for (const dir of [app, daemonDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const expectCalls = (out: string) =>
  expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ scopes: 8, code: 'WALLET_NOT_FOUND', number: -18, matched: true });

describe('@walletd/client from its packed tarball', () => {
  it('installs alone: no dependency, no native build, no daemon, no tests in the tarball', () => {
    expect(readdirSync(join(app, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual(['@walletd']);
    const pkg = join(app, 'node_modules', '@walletd', 'client');
    expect(readdirSync(pkg).sort()).toEqual(['README.md', 'dist', 'package.json']);
    expect(readdirSync(join(pkg, 'dist')).sort()).toEqual(['cjs', 'esm']);
  });

  it('runs from plain ESM (node app.mjs)', async () => {
    write('app.mjs', `import { createClient, isWalletdRpcError } from '@walletd/client';\n${BODY}`);
    const r = await sh(process.execPath, ['app.mjs']);
    expect(r.code, r.out).toBe(0);
    expectCalls(r.out);
  });

  it('runs from CommonJS (require)', async () => {
    write('app.cjs', `const { createClient, isWalletdRpcError } = require('@walletd/client');\n(async () => {${BODY}})();`);
    const r = await sh(process.execPath, ['app.cjs']);
    expect(r.code, r.out).toBe(0);
    expectCalls(r.out);
  });

  it('compiles with tsc (strict, exactOptionalPropertyTypes, node16) and the emitted JS runs', async () => {
    write('app.ts', [
      "import { createClient, isWalletdRpcError, type ParamsOf, type ResultOf, type Subscription } from '@walletd/client';",
      'async function main(): Promise<void> {',
      '  const client = createClient({ url: process.env.WALLETD_URL ?? "" }, { token: process.env.WALLETD_TOKEN ?? "" });',
      '  const params: ParamsOf<"send_transaction"> = { outputs: [{ address: "bcrt1q", amount: 1000 }], feeRate: 2 };',
      '  const balance: ResultOf<"get_balance"> | null = null;',
      '  const subscribe: (p: ParamsOf<"subscribe">) => Promise<Subscription> = client.subscribe;',
      '  void params; void balance; void subscribe;',
      '  const me = await client.tokenInfo();',
      '  const err: unknown = await client.getBalance({ wallet: "missing" }).catch((e: unknown) => e);',
      '  if (!isWalletdRpcError(err)) throw new Error("expected a WalletdRpcError");',
      "  console.log(JSON.stringify({ scopes: me.scopes.length, code: err.data.code, number: err.code, matched: isWalletdRpcError(err, 'WALLET_NOT_FOUND') }));",
      '}',
      'await main();',
      // process.env without @types/node: the client itself needs no ambient Node types.
      'declare const process: { env: Record<string, string | undefined> };',
      'declare const console: { log(text: string): void };',
      '',
    ].join('\n'));
    write('tsconfig.emit.json', JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true,
        exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, outDir: 'dist', types: [], lib: ['ES2022'],
      },
      files: ['app.ts'],
    }));
    const built = await tsc('tsconfig.emit.json');
    expect(built.out).toBe('');
    expect(built.code).toBe(0);
    const r = await sh(process.execPath, ['dist/app.js']);
    expect(r.code, r.out).toBe(0);
    expectCalls(r.out);
  });

  it.each([
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
    ['node10 + CommonJS', { module: 'commonjs', moduleResolution: 'node10' }],
  ])('type-checks under moduleResolution %s', async (name, options) => {
    write('typed.ts', [
      "import { createClient, type MethodName } from '@walletd/client';",
      'const client = createClient({ socketPath: "/tmp/walletd.sock" });',
      'export const names: MethodName[] = ["get_balance", "rpc.discover"];',
      'export const pending = client.generateAddress({ label: "order-1", change: false }).then((a) => a.address.length);',
      '',
    ].join('\n'));
    const config = `tsconfig.${name.split(' ')[0]}.json`;
    write(config, JSON.stringify({
      compilerOptions: { target: 'ES2022', ...options, strict: true, exactOptionalPropertyTypes: true, noEmit: true, types: [], lib: ['ES2022'] },
      files: ['typed.ts'],
    }));
    const r = await tsc(config);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('fails the consumer\'s tsc on a typo in a method name or a param', async () => {
    write('typo.ts', [
      "import { createClient } from '@walletd/client';",
      'const client = createClient({ url: "http://127.0.0.1:7380" });',
      'void client.getBalanse({});',
      'void client.getBalance({ walet: "w1" });',
      'void client.call("get_balanse");',
      'void client.sendTransaction({ outputs: [{ address: "a", amount: "1000" }] });',
      '',
    ].join('\n'));
    write('tsconfig.typo.json', JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, types: [], lib: ['ES2022'] },
      files: ['typo.ts'],
    }));
    const r = await tsc('tsconfig.typo.json');
    expect(r.code).not.toBe(0);
    // One error on each misuse line, and none elsewhere.
    const lines = [...r.out.matchAll(/typo\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1]));
    expect([...new Set(lines)]).toEqual([3, 4, 5, 6]);
  });
});
