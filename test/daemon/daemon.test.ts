/**
 * The walletd process end to end (SPEC §2, §9, §10): files and modes, the three transports,
 * graceful SIGTERM, restart, kill -9 recovery, the data-dir lock, a wrong keystore key, a bad
 * config, and a shutdown during in-flight calls.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnDaemon, startDaemonProcess, unixRpc, type DaemonProcess } from './daemon-process.ts';

const dirs: string[] = [];
const running = new Set<DaemonProcess>();

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'walletd-daemon-'));
  dirs.push(dir);
  return dir;
}

async function start(datadir: string, args: string[] = [], env: Record<string, string> = {}) {
  const d = await startDaemonProcess(datadir, args, env);
  running.add(d);
  void d.exited.then(() => running.delete(d));
  return d;
}

async function sigterm(d: DaemonProcess): Promise<number | null> {
  d.child.kill('SIGTERM');
  return d.exited;
}

afterAll(async () => {
  for (const d of running) d.child.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;
const listWallets = (id: number) => ({ jsonrpc: '2.0', id, method: 'list_wallets', params: {} });

async function httpRpc(url: string, token: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/rpc`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

function wsCall(address: string, token: string, body: { id: number }): Promise<any> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(address, { headers: { authorization: `Bearer ${token}` } });
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify(body)));
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString());
      if (msg.id === body.id) {
        ws.close();
        resolve(msg);
      }
    });
  });
}

describe('walletd daemon lifecycle', () => {
  let datadir: string;
  let token: string;

  beforeAll(async () => {
    datadir = await tempDir();
  });

  it('starts, writes admin.token and walletd.sock with mode 0600, and serves HTTP, unix socket and WebSocket', async () => {
    const d = await start(datadir);
    const tokenPath = join(datadir, 'admin.token');
    const socketPath = join(datadir, 'walletd.sock');
    expect(d.socket).toBe(socketPath);
    expect(mode(tokenPath)).toBe(0o600);
    expect(mode(socketPath)).toBe(0o600);
    token = readFileSync(tokenPath, 'utf8').trim();
    // The log says where the token is, never what it is.
    expect(d.logs.some((l) => l.adminTokenFile === tokenPath)).toBe(true);
    expect(JSON.stringify(d.logs)).not.toContain(token);
    // SPEC §2: a generated keystore key comes with a warning naming the file.
    expect(d.logs.some((l) => l.level === 40 && /only as safe as .*keystore\.key/.test(String(l.msg)))).toBe(true);

    const http = await httpRpc(d.url, token, listWallets(1));
    expect(http).toMatchObject({ status: 200, json: { id: 1, result: [] } });
    const unix = await unixRpc(socketPath, token, listWallets(2));
    expect(unix).toMatchObject({ status: 200, json: { id: 2, result: [] } });
    const ws = await wsCall(`${d.url.replace('http', 'ws')}/ws`, token, listWallets(3));
    expect(ws).toMatchObject({ id: 3, result: [] });
    const wsUnix = await wsCall(`ws+unix://${socketPath}:/ws`, token, listWallets(4));
    expect(wsUnix).toMatchObject({ id: 4, result: [] });

    // A second daemon on the same data dir is refused with a clear message.
    const second = spawnDaemon(datadir);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(/data dir is busy: another walletd \(pid \d+\)/);
    // A port already in use is a clear fatal error, too.
    const port = new URL(d.url).port;
    const clash = spawnDaemon(await tempDir(), ['--rpc-port', port]);
    expect(await clash.exited).toBe(1);
    expect(clash.stderr()).toMatch(new RegExp(`rpc\\.port ${port} .*already in use`));
    // ...and the first one is unharmed.
    expect((await httpRpc(d.url, token, listWallets(5))).json.result).toEqual([]);

    expect(await sigterm(d)).toBe(0);
    expect(existsSync(socketPath)).toBe(false);
  });

  it('restarts on the same data dir with a fresh admin cookie; the old one is refused (SPEC §4)', async () => {
    expect(existsSync(join(datadir, 'admin.token'))).toBe(false);
    const d = await start(datadir);
    const fresh = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
    expect(fresh).not.toBe(token);
    expect((await httpRpc(d.url, token, listWallets(1))).json.error.data.code).toBe('UNAUTHORIZED');
    token = fresh;
    expect((await httpRpc(d.url, token, listWallets(1))).json.result).toEqual([]);
    expect(await sigterm(d)).toBe(0);
  });

  it('recovers after kill -9: the stale socket and lock are cleared at the next start', async () => {
    const d = await start(datadir);
    d.child.kill('SIGKILL');
    await d.exited;
    expect(existsSync(join(datadir, 'walletd.sock'))).toBe(true);
    const again = await start(datadir);
    token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
    expect((await unixRpc(again.socket, token, listWallets(1))).json).toMatchObject({ result: [] });
    expect(await sigterm(again)).toBe(0);
  });

  it('on SIGTERM during 20 in-flight calls, answers or cleanly closes each, exits 0 and loses nothing acknowledged', async () => {
    const d = await start(datadir);
    token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
    const calls = Array.from({ length: 20 }, (_, i) =>
      httpRpc(d.url, token, { jsonrpc: '2.0', id: i, method: 'create_wallet', params: { name: `w${i}` } }).then(
        (r) => ({ kind: 'response' as const, ...r }),
        (err: Error) => ({ kind: 'closed' as const, err }),
      ),
    );
    // Let the requests reach the daemon, then stop it while they run.
    await new Promise((r) => setTimeout(r, 100));
    d.child.kill('SIGTERM');
    const outcomes = await Promise.all(calls);
    expect(await d.exited).toBe(0);

    expect(outcomes.some((o) => o.kind === 'response')).toBe(true);
    let created = 0;
    for (const o of outcomes) {
      if (o.kind === 'closed') continue;
      if (o.json.result) {
        created += 1;
        expect(typeof o.json.result.id).toBe('string');
      } else {
        expect(o.json.error.data.code).toBe('SHUTTING_DOWN');
      }
    }
    const again = await start(datadir);
    token = readFileSync(join(datadir, 'admin.token'), 'utf8').trim();
    const listed = (await httpRpc(again.url, token, listWallets(99))).json.result as unknown[];
    // Every acknowledged create_wallet survived; an unacknowledged one may also have committed.
    expect(listed.length).toBeGreaterThanOrEqual(created);
    expect(await sigterm(again)).toBe(0);
  });
});

describe('walletd start-up failures', () => {
  it('refuses a wrong keystore passphrase with exit 1 and never creates a second keystore', async () => {
    const datadir = await tempDir();
    const first = await start(datadir, [], { WALLETD_KEYSTORE_PASSPHRASE: 'correct horse battery' });
    expect(await sigterm(first)).toBe(0);
    const before = readFileSync(join(datadir, 'keystore.db'));
    const filesBefore = (await readdir(datadir)).sort();

    const wrong = spawnDaemon(datadir, [], { WALLETD_KEYSTORE_PASSPHRASE: 'wrong staple' });
    expect(await wrong.exited).toBe(1);
    expect(wrong.stderr()).toMatch(/keystore key is wrong/);
    expect(readFileSync(join(datadir, 'keystore.db')).equals(before)).toBe(true);
    expect((await readdir(datadir)).sort()).toEqual(filesBefore);
  });

  it('names the key of a bad config value and exits 1', async () => {
    const datadir = await tempDir();
    const d = spawnDaemon(datadir, ['--rpc-port', 'abc']);
    expect(await d.exited).toBe(1);
    expect(d.stderr()).toMatch(/rpc\.port/);
  });

  it('refuses a non-loopback rpc.host without --allow-remote', async () => {
    const datadir = await tempDir();
    const d = spawnDaemon(datadir, ['--rpc-host', '0.0.0.0']);
    expect(await d.exited).toBe(1);
    expect(d.stderr()).toMatch(/allow-remote/);
  });
});
