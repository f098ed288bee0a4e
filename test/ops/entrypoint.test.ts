/**
 * Runs the image's CMD exactly as Docker would (issue 7: there is no Docker engine here): from
 * the repository root, as the Dockerfile's non-root uid, with the runtime stage's ENV, against a
 * fresh data dir owned by that uid (like the /data volume) and a keystore passphrase from a secret
 * file. Then runs the image's HEALTHCHECK command and stops the daemon with SIGTERM.
 *
 * As root the test drops to the Dockerfile's uid with `setpriv` (no passwd entry needed, nothing
 * copied); the repository must then be readable by that uid (o+rX), which is checked first.
 * As a non-root user it runs as that user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execForm, lastOf, parseHealthcheck, REPO_ROOT, runtimeStage, stageEnv } from './dockerfile-parse.ts';

const runtime = runtimeStage();
const imageEnv = stageEnv(runtime);
const cmd = execForm(lastOf(runtime, 'CMD')!.args)!;
const healthcheck = parseHealthcheck(lastOf(runtime, 'HEALTHCHECK')!.args).command;
const [imageUid, imageGid] = lastOf(runtime, 'USER')!.args.split(':').map(Number) as [number, number];

const asRoot = process.getuid!() === 0;
const uid = asRoot ? imageUid : process.getuid!();
const gid = asRoot ? (imageGid ?? imageUid) : process.getgid!();
/** Prefix that drops to the image's user; setpriv execs, so the child's pid is node's. */
const asUser = asRoot ? ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--'] : [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Runs `argv` as the image user with `env`; resolves with the exit code. */
function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  const [file, ...args] = [...asUser, ...argv] as [string, ...string[]];
  const child = spawn(file, args, { cwd: REPO_ROOT, env, stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

/** Resolves with the first stdout JSON line that has `http` and `socket` (the "listening" line). */
function waitListening(child: ChildProcess, stderr: () => string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let partial = '';
    const timer = setTimeout(() => reject(new Error(`walletd did not start; stderr: ${stderr()}`)), 45_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line);
        } catch {
          continue;
        }
        if (typeof parsed.http === 'string' && typeof parsed.socket === 'string') {
          clearTimeout(timer);
          resolve(parsed);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`walletd exited (${code}) before listening; stderr: ${stderr()}`));
    });
  });
}

describe('image entrypoint: CMD run as the non-root image user', () => {
  let workDir: string;
  let dataDir: string;
  let secretDir: string;
  let env: NodeJS.ProcessEnv;
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let listening: Record<string, unknown>;

  beforeAll(async () => {
    // The repo must be traversable and readable by the image uid (it runs in place, not copied).
    for (const path of [REPO_ROOT, join(REPO_ROOT, 'bin/walletd.mjs'), join(REPO_ROOT, 'node_modules')]) {
      const mode = (await stat(path)).mode;
      if (asRoot) expect(mode & constants.S_IROTH, `${path} must be world-readable for uid ${uid}`).toBeTruthy();
    }
    workDir = await mkdtemp(join(tmpdir(), 'walletd-ops-'));
    // Like the image's /data: pre-created, 0700, owned by the daemon user.
    dataDir = join(workDir, 'data');
    secretDir = join(workDir, 'secrets');
    await chmod(workDir, 0o711);
    for (const dir of [dataDir, secretDir]) {
      await mkdir(dir, { mode: 0o700 });
      await chown(dir, uid, gid);
    }
    // Like a mounted Docker secret: a file readable by the daemon user only.
    const secretFile = join(secretDir, 'walletd_keystore_passphrase');
    await writeFile(secretFile, 'correct horse battery staple ops\n', { mode: 0o400 });
    await chown(secretFile, uid, gid);

    const port = await freePort();
    // Only PATH comes from the host (Docker's image PATH has node too); every WALLETD_* is the image's.
    env = {
      PATH: process.env.PATH,
      ...imageEnv,
      WALLETD_DATADIR: dataDir,
      WALLETD_RPC_PORT: String(port),
      WALLETD_KEYSTORE_PASSPHRASE_FILE: secretFile,
    };
    const [file, ...args] = [...asUser, ...cmd] as [string, ...string[]];
    child = spawn(file, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    listening = await waitListening(child, () => err);
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('listens on the image bind address and the data dir from the env', () => {
    expect(listening.http).toBe(`http://0.0.0.0:${env.WALLETD_RPC_PORT}`);
    expect(listening.socket).toBe(join(dataDir, 'walletd.sock'));
  });

  it('the image HEALTHCHECK command exits 0', async () => {
    expect(await run(healthcheck, env)).toBe(0);
  });

  it('the process runs as the non-root image user', async () => {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    const uids = /^Uid:\s+(.*)$/m.exec(status)![1]!.trim().split(/\s+/).map(Number);
    expect(uids).toEqual([uid, uid, uid, uid]);
    expect(uid).not.toBe(0);
  });

  it('admin.token and the unix socket belong to that user with mode 0600', async () => {
    for (const name of ['admin.token', 'walletd.sock']) {
      const st = await stat(join(dataDir, name));
      expect({ name, uid: st.uid, mode: st.mode & 0o777 }).toEqual({ name, uid, mode: 0o600 });
    }
  });

  it('the keystore (and its -wal/-shm files) belong to that user with mode 0600', async () => {
    const files = (await readdir(dataDir)).filter((n) => n.startsWith('keystore.db'));
    expect(files).toContain('keystore.db');
    for (const name of files) {
      const st = await stat(join(dataDir, name));
      expect({ name, uid: st.uid, mode: (st.mode & 0o777).toString(8) }).toEqual({ name, uid, mode: '600' });
    }
  });

  it('took the passphrase from the secret file: no generated keystore.key', async () => {
    await expect(stat(join(dataDir, 'keystore.key'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('SIGTERM stops it with exit code 0, after which the HEALTHCHECK fails', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await run(healthcheck, env)).toBe(1);
  });
});
