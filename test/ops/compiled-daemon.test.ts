/**
 * SPEC §11, issue 14: the daemon runs compiled JavaScript with no TypeScript loader. The sources
 * are compiled (as `prepare` does) into a scratch copy of the package whose node_modules has no
 * tsx and no esbuild, so the compiled bins cannot fall back to them; the daemon starts, serves a
 * call, walletctl talks to it, and no process of the daemon's tree is tsx or esbuild.
 * (The rest of the suite runs the sources: vitest.config.ts sets DEV_WALLETD_SOURCES.)
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const LOADERS = ['tsx', 'esbuild', '@esbuild'];

const scratch = mkdtempSync(join(tmpdir(), 'walletd-compiled-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The pids and command lines of `pid` and all its descendants. */
async function processTree(pid: number): Promise<string[]> {
  const { stdout } = await exec('ps', ['-eo', 'pid=,ppid=,args=']);
  const rows = stdout.trim().split('\n').map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/)!).filter(Boolean);
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [, p, pp] of rows) if (tree.has(Number(pp)) && !tree.has(Number(p))) (tree.add(Number(p)), (grew = true));
  }
  return rows.filter(([, p]) => tree.has(Number(p))).map(([, , , args]) => args!);
}

describe('the compiled daemon', () => {
  it('builds, starts without tsx or esbuild installed, and serves walletd and walletctl', async () => {
    const pkg = join(scratch, 'walletd');
    mkdirSync(join(pkg, 'node_modules'), { recursive: true });
    for (const f of ['package.json']) cpSync(join(ROOT, f), join(pkg, f));
    cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true });
    // Production modules only in spirit: everything but the TypeScript loaders.
    for (const name of readdirSync(join(ROOT, 'node_modules'))) {
      if (!LOADERS.includes(name) && name !== '.bin') symlinkSync(join(ROOT, 'node_modules', name), join(pkg, 'node_modules', name));
    }
    // The build of `prepare`, written into the scratch copy instead of the working tree's dist/.
    // Inside the repository, so `types: ["node"]` resolves from its node_modules.
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    const tsconfig = join(mkdtempSync(join(ROOT, '.tmp', 'build-')), 'tsconfig.build.json');
    writeFileSync(tsconfig, JSON.stringify({ extends: join(ROOT, 'tsconfig.build.json'), compilerOptions: { outDir: join(pkg, 'dist'), rootDir: ROOT }, include: [join(ROOT, 'src')] }));
    const built = await exec(process.execPath, [TSC, '-p', tsconfig]).then(() => '', (e: { stdout?: string }) => e.stdout ?? 'tsc failed');
    rmSync(join(tsconfig, '..'), { recursive: true, force: true });
    expect(built).toBe('');

    const datadir = join(scratch, 'data');
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    const child = spawn(process.execPath, [join(pkg, 'bin', 'walletd.mjs'), '--datadir', datadir, '--rpc-port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${err}`)), 30_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = out.match(/"http":"(http:[^"]+)"/);
          if (m) (clearTimeout(timer), resolve(m[1]!));
        });
        child.once('exit', (code) => reject(new Error(`walletd exited (${code}): ${err}`)));
      });
      const token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
      const res = await fetch(`${url}/rpc`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'get_node_info', params: {} }),
      });
      const body = (await res.json()) as { result: { version: string } };
      expect(body.result.version).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);

      const ctl = await exec(process.execPath, [join(pkg, 'bin', 'walletctl.mjs'), '--datadir', datadir, '--json', 'token_info'], { env });
      expect((JSON.parse(ctl.stdout) as { scopes: string[] }).scopes.length).toBeGreaterThan(0);

      const tree = await processTree(child.pid!);
      expect(tree.length).toBeGreaterThan(0);
      expect(tree.filter((args) => /tsx|esbuild|\.ts\b/.test(args))).toEqual([]);
      expect(tree[0]).toContain(join(pkg, 'bin', 'walletd.mjs'));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
