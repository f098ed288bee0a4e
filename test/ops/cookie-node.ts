/**
 * A regtest node on bitcoind's default auth, the `.cookie` file (no rpcuser/rpcpassword), that a
 * test can restart on the same data dir and ports: the node then writes a fresh cookie.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BitcoindRpc } from '../../src/chain/bitcoind-rpc.ts';
import { findNodeBinary, freePort, LITECOIN_REGTEST, BITCOIN_REGTEST } from '../harness/regtest-node.ts';
import type { NetworkParams } from '../../src/wallet/types.ts';

/** A cookie-auth regtest node. */
export interface CookieNode {
  url: string;
  datadir: string;
  cookieFile: string;
  networkParams: NetworkParams;
  /** Calls a node RPC with the current cookie. */
  rpc<T>(method: string, ...params: unknown[]): Promise<T>;
  /** Starts the node (again) on the same data dir and ports; resolves once RPC answers. */
  start(): Promise<void>;
  /** Stops the node (RPC `stop`, SIGKILL after 10 s); the data dir stays. */
  stop(): Promise<void>;
  /** Stops the node and removes its data dir. */
  destroy(): Promise<void>;
}

/** Makes (but does not start) a node that authenticates with its `.cookie`. */
export async function cookieNode(): Promise<CookieNode> {
  const bin = findNodeBinary();
  const datadir = mkdtempSync(join(tmpdir(), 'walletd-cookie-node-'));
  const [rpcPort, p2pPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${rpcPort}/`;
  const cookieFile = join(datadir, 'regtest', '.cookie');
  const args = [
    '-regtest', `-datadir=${datadir}`, '-server=1', '-rpcbind=127.0.0.1', '-rpcallowip=127.0.0.1',
    `-rpcport=${rpcPort}`, `-port=${p2pPort}`, '-listen=0', '-printtoconsole=0', '-fallbackfee=0.0002',
  ];
  if (bin.kind === 'litecoind') args.push('-vbparams=mweb:-2:-2');
  let child: ChildProcess | null = null;
  let exited: Promise<unknown> = Promise.resolve();
  const rpc = <T>(method: string, ...params: unknown[]) => new BitcoindRpc({ url, cookieFile, timeoutMs: 30_000 }).call<T>(method, ...params);
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const running = child;
    await rpc('stop').catch(() => undefined);
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const onExit = () => child?.kill('SIGKILL');
  return {
    url,
    datadir,
    cookieFile,
    networkParams: bin.kind === 'litecoind' ? LITECOIN_REGTEST : BITCOIN_REGTEST,
    rpc,
    async start() {
      const proc = spawn(bin.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      exited = new Promise((resolve) => proc.once('exit', resolve));
      process.once('exit', onExit);
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`node exited with ${proc.exitCode}`);
        if (existsSync(cookieFile)) {
          try {
            await rpc('getblockchaininfo');
            return;
          } catch {
            // Warming up (-28), or the cookie is from the previous run: try again.
          }
        }
        if (Date.now() > deadline) throw new Error('cookie-auth node did not answer within 60 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop,
    async destroy() {
      await stop();
      process.off('exit', onExit);
      rmSync(datadir, { recursive: true, force: true });
    },
  };
}

/** The current cookie's `user:password`, to check that nothing echoes it. */
export function cookieSecret(node: CookieNode): string {
  return readFileSync(node.cookieFile, 'utf8').trim().split(':')[1]!;
}
