/**
 * `walletd sandbox`, run headless as a newcomer would (SPEC §9): it starts a regtest node and a
 * walletd, funds a wallet with mature coins, answers walletctl through the data dir alone, mines
 * the newcomer's send, and stops both processes on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { walletctl } from '../cli/run-walletctl.ts';
import { freePort } from '../harness/regtest-node.ts';

const WALLETD = fileURLToPath(new URL('../../bin/walletd.mjs', import.meta.url));
const datadir = mkdtempSync(join(tmpdir(), 'walletd-sandbox-'));
let child: ChildProcess | null = null;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(datadir, { recursive: true, force: true });
});

/** Starts the sandbox and resolves with its banner once it says it is ready. */
function startSandbox(rpcPort: number): Promise<{ banner: string; exited: Promise<number | null> }> {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('WALLETD_')) delete env[key];
  child = spawn(process.execPath, [WALLETD, 'sandbox', '--datadir', datadir, '--mine-every', '1', '--rpc-port', String(rpcPort)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    child!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/stop {9}Ctrl-C/.test(out)) resolve({ banner: out, exited });
    });
    void exited.then((code) => reject(new Error(`sandbox exited (${code}) before it was ready:\n${out}\n${err}`)));
  });
}

describe('walletd sandbox', () => {
  it('funds a wallet, serves walletctl through the data dir with no --wallet, mines a send, and stops node and daemon on SIGTERM', async () => {
    // A fixed --rpc-port, so a URL printed once (a UI's ?daemon=) stays valid across restarts.
    const rpcPort = await freePort();
    const { banner, exited } = await startSandbox(rpcPort);
    expect(banner).toContain(`JSON-RPC     http://127.0.0.1:${rpcPort}/rpc`);
    const walletId = /wallet {7}sandbox \((w_[0-9a-f]+)\)/.exec(banner)?.[1];
    const nodeAddress = /generatetoaddress 1 (\S+)/.exec(banner)?.[1];
    expect(walletId).toBeDefined();
    expect(nodeAddress).toBeDefined();
    expect(banner).toContain(`walletctl --datadir ${datadir} get_balance`);
    expect(existsSync(join(datadir, 'node', 'regtest'))).toBe(true);

    const balance = await walletctl(['--datadir', datadir, '--json', 'get_balance']);
    expect(balance.code).toBe(0);
    // Funded from mature coinbases, so every coin is confirmed and spendable, none immature.
    expect(balance.json()).toMatchObject({ confirmed: 800_000_000, immature: 0, spendable: 800_000_000 });

    const sent = await walletctl(['--datadir', datadir, '--json', 'send_transaction', '--to', nodeAddress!, '--amount', '25000', '--fee-rate', '2']);
    expect(sent.code, sent.stderr).toBe(0);
    const { txid } = sent.json<{ txid: string }>();
    let status = '';
    for (let i = 0; i < 200 && status !== 'confirmed'; i++) {
      await new Promise((r) => setTimeout(r, 150));
      status = (await walletctl(['--datadir', datadir, '--json', 'get_tx_status', '--txid', txid])).json<{ status: string }>().status;
    }
    expect(status).toBe('confirmed');

    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The node is gone too: nothing answers on the socket, and its pid file was removed at shutdown.
    expect(existsSync(join(datadir, 'node', 'regtest', 'bitcoind.pid')) || existsSync(join(datadir, 'node', 'regtest', 'litecoind.pid'))).toBe(false);
    const after = await walletctl(['--datadir', datadir, '--json', 'get_balance']);
    expect(after.code).not.toBe(0);
  }, 240_000);
});
