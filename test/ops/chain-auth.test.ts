/**
 * Issue 15 point 2 against a real node on its default auth (`.cookie`) and real daemon processes:
 * the chain flags, a cookie re-read after the node restarts, the failure cause logged at warn once
 * per change, get_node_info's redacted last backend error, and the probes (SPEC §7, §9, §10).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess, type DaemonProcess } from '../daemon/daemon-process.ts';
import { ok, until } from '../e2e/e2e-helpers.ts';
import { cookieNode, cookieSecret, type CookieNode } from './cookie-node.ts';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { address } from 'bitcoinjs-lib';

type Daemon = DaemonProcess & { url: string; socket: string; token: string; dir: string };

let node: CookieNode;
const daemons: Daemon[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  node = await cookieNode();
  await node.start();
}, 90_000);

afterAll(async () => {
  for (const d of daemons) {
    d.child.kill('SIGTERM');
    await d.exited;
  }
  await node?.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function daemon(chainArgs: string[]): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'walletd-chain-auth-'));
  dirs.push(dir);
  const args = ['--network', 'regtest', '--network-params', JSON.stringify(node.networkParams), '--chain-backend', 'bitcoind', '--chain-url', node.url, ...chainArgs];
  const d = await startDaemonProcess(dir, args, { WALLETD_CHAIN_POLL_INTERVAL_MS: '200' });
  const started = Object.assign(d, { token: readFileSync(join(dir, 'admin.token'), 'utf8').trim(), dir });
  daemons.push(started);
  return started;
}

interface NodeInfo {
  state: string;
  tipHeight: number | null;
  lastBackendError: { message: string; at: string } | null;
  config: { chain: Record<string, unknown> };
}

const info = (d: Daemon) => ok<NodeInfo>(d, d.token, 'get_node_info');
/** GET `path` with `host` as the Host header (fetch would not send a custom Host). */
const probe = (d: Daemon, path: string, host?: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(`${d.url}${path}`, host ? { headers: { host } } : {}, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });

describe('bitcoind cookie auth (--chain-cookie-file)', () => {
  let d: Daemon;

  it('syncs against a node that has only its .cookie, and shows the cookie path, not the cookie', async () => {
    await node.rpc('generatetoaddress', 3, newAddress());
    d = await daemon(['--chain-cookie-file', node.cookieFile]);
    const synced = await until(() => info(d), (i) => i.state === 'synced' && i.tipHeight === 3);
    expect(synced.config.chain.cookieFile).toBe(node.cookieFile);
    expect(JSON.stringify(synced)).not.toContain(cookieSecret(node));
    expect(await probe(d, '/readyz?chain=1')).toBe(200);
  });

  it('re-reads the cookie after the node restarts with a fresh one', async () => {
    const before = cookieSecret(node);
    await node.stop();
    await until(() => info(d), (i) => i.state === 'unavailable');
    // Able to serve without a chain: a one-replica Service keeps its endpoint (SPEC §10).
    expect(await probe(d, '/readyz')).toBe(200);
    expect(await probe(d, '/readyz?chain=1')).toBe(503);
    await node.start();
    expect(cookieSecret(node)).not.toBe(before);
    await node.rpc('generatetoaddress', 1, newAddress());
    const back = await until(() => info(d), (i) => i.state === 'synced' && i.tipHeight === 4, 60_000);
    // The outage is still on record. Its last cause may be the refused connection or, when a pass
    // read the cookie while the restarting node was still writing it, a 401 that the next pass cured.
    expect(back.lastBackendError?.message).toMatch(/connection failed|HTTP 401|cannot read chain\.cookieFile/);
    expect(Date.parse(back.lastBackendError!.at)).toBeGreaterThan(0);
    const warns = d.logs.filter((l) => l.msg === 'chain backend unavailable; retrying');
    expect(warns.some((l) => /connection failed \(ECONNREFUSED\)|cannot read chain\.cookieFile/.test(String(l.cause)))).toBe(true);
    // Once per change of cause, not once per retry.
    const causes = warns.map((l) => l.cause);
    expect(causes.every((c, i) => i === 0 || c !== causes[i - 1])).toBe(true);
  }, 120_000);
});

describe('refused credentials (--chain-user, --chain-password-file)', () => {
  it('logs the cause (HTTP 401) at warn once, and get_node_info shows it redacted', async () => {
    const secretDir = mkdtempSync(join(tmpdir(), 'walletd-secret-'));
    dirs.push(secretDir);
    const passwordFile = join(secretDir, 'rpcpassword');
    const password = 'not-the-node-password-' + Date.now();
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    const d = await daemon(['--chain-user', 'someone', '--chain-password-file', passwordFile]);
    const warn = await d.waitForLog((l) => l.msg === 'chain backend unavailable; retrying');
    expect(warn.level).toBe(40);
    expect(String(warn.cause)).toMatch(/HTTP 401, credentials refused \(check chain\.user and chain\.password\)/);
    const failing = await until(() => info(d), (i) => i.lastBackendError !== null);
    expect(failing.state).toBe('unavailable');
    expect(failing.lastBackendError!.message).toContain('HTTP 401');
    expect(failing.config.chain.password).toBe('[redacted]');
    expect(failing.config.chain.user).toBe('someone');
    // Several retries later, still one warn line for the one cause.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(d.logs.filter((l) => l.msg === 'chain backend unavailable; retrying')).toHaveLength(1);
    const everything = JSON.stringify(d.logs) + d.stderr() + JSON.stringify(await info(d));
    expect(everything).not.toContain(password);
    // The daemon serves; only the chain gate fails. Probes pass any Host (kubelet sends the pod IP).
    expect(await probe(d, '/readyz')).toBe(200);
    expect(await probe(d, '/readyz?chain=1')).toBe(503);
    expect(await probe(d, '/healthz', '10.1.2.3:7380')).toBe(200);
    expect(await probe(d, '/readyz', '10.1.2.3:7380')).toBe(200);
    expect(await probe(d, '/metrics', '10.1.2.3:7380')).toBe(403);
  }, 60_000);

  it('never shows credentials given in chain.url, in get_node_info or in the logs', async () => {
    const secret = 'url-secret-' + Date.now();
    const dir = mkdtempSync(join(tmpdir(), 'walletd-chain-auth-'));
    dirs.push(dir);
    const withUrl = await startDaemonProcess(dir, ['--network', 'regtest', '--network-params', JSON.stringify(node.networkParams), '--chain-backend', 'bitcoind', '--chain-url', node.url.replace('http://', `http://someone:${secret}@`)], { WALLETD_CHAIN_POLL_INTERVAL_MS: '200' });
    const started = Object.assign(withUrl, { token: readFileSync(join(dir, 'admin.token'), 'utf8').trim(), dir });
    daemons.push(started);
    const failing = await until(() => info(started), (i) => i.lastBackendError !== null);
    expect(failing.lastBackendError!.message).toContain('HTTP 401');
    expect(String(failing.config.chain.url)).toContain('[redacted]@');
    const everything = JSON.stringify(started.logs) + started.stderr() + JSON.stringify(failing);
    expect(everything).not.toContain(secret);
  }, 60_000);

  it('refuses a cookie file together with a password at start, naming both keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walletd-chain-auth-'));
    dirs.push(dir);
    const args = ['--network', 'regtest', '--chain-backend', 'bitcoind', '--chain-url', node.url, '--chain-cookie-file', node.cookieFile, '--chain-user', 'x'];
    const d = await startDaemonProcess(dir, args).catch((err: Error) => err);
    expect(d).toBeInstanceOf(Error);
    expect((d as Error).message).toMatch(/chain\.cookieFile and chain\.user\/chain\.password are exclusive/);
  });
});

/** A key-less P2WPKH address of the node's network: the node mines to it, nobody spends it. */
function newAddress(): string {
  return address.toBech32(new Uint8Array(20).fill(7), 0, node.networkParams.bech32);
}
