/**
 * A regtest node for the differential test that, unlike the shared harness node, can be stopped
 * and started again on the same datadir and ports (the "node restart" step), and that keeps two
 * wallets: `harness` (the counterparty that pays walletd) and `oracle` (the watch-only judge).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BitcoindRpc } from '../../../src/chain/bitcoind-rpc.ts';
import type { NetworkParams } from '../../../src/wallet/types.ts';
import { BITCOIN_REGTEST, LITECOIN_REGTEST, findNodeBinary, freePort } from '../../harness/regtest-node.ts';

/** A restartable regtest node with the harness (counterparty) and oracle wallets. */
export interface ChainNode {
  kind: 'litecoind' | 'bitcoind';
  url: string;
  user: string;
  password: string;
  networkParams: NetworkParams;
  /** Node-level RPC (no wallet). */
  base: BitcoindRpc;
  /** The counterparty's wallet: pays walletd, mines, replaces and double-spends. */
  harness: BitcoindRpc;
  /** The watch-only oracle wallet (created by {@link OracleWallet}). */
  oracle: BitcoindRpc;
  /** An address of the harness wallet; blocks are mined to it. */
  minerAddress: string;
  /** Stops the node cleanly (mempool.dat is written) and starts it again on the same datadir. */
  restart(): Promise<void>;
  /** Stops the node and removes its datadir. */
  stop(): Promise<void>;
}

/** Starts litecoind (or bitcoind) with the shared harness's flags, creates the harness wallet and funds it. */
export async function startChainNode(): Promise<ChainNode> {
  const bin = findNodeBinary();
  const datadir = mkdtempSync(join(tmpdir(), 'walletd-diff-node-'));
  const [rpcPort, p2pPort] = [await freePort(), await freePort()];
  const user = 'u' + randomBytes(6).toString('hex');
  const password = randomBytes(18).toString('hex');
  const args = [
    '-regtest', `-datadir=${datadir}`, '-server=1', '-rpcbind=127.0.0.1', '-rpcallowip=127.0.0.1',
    `-rpcport=${rpcPort}`, `-port=${p2pPort}`, '-listen=0', '-txindex=1', '-fallbackfee=0.0002',
    `-rpcuser=${user}`, `-rpcpassword=${password}`, '-dustrelayfee=0.00003', '-printtoconsole=0',
    '-keypool=10', '-rpcworkqueue=64',
    // Each walletd daemon holds an RPC thread in its waitfornewblock long-poll; the default 4 starve.
    '-rpcthreads=16',
  ];
  // Litecoin turns RBF off by default, and MWEB activation would stop mining at height 432.
  if (bin.kind === 'litecoind') args.push('-mempoolreplacement=1', '-vbparams=mweb:-2:-2');
  const url = `http://127.0.0.1:${rpcPort}/`;
  const mk = (path: string) => new BitcoindRpc({ url: url + path, user, password, timeoutMs: 120_000 });
  const base = mk('');
  let child: ChildProcess | null = null;
  let exited: Promise<unknown> = Promise.resolve();
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const launch = async (): Promise<void> => {
    const proc = spawn(bin.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    exited = new Promise((resolve) => proc.once('exit', resolve));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`regtest node exited (${proc.exitCode}): ${stderr}`);
      try {
        await base.call('getblockchaininfo');
        return;
      } catch {
        // Refused or -28 (warming up) until the node is ready.
      }
      if (Date.now() > deadline) throw new Error(`regtest node did not answer in 60 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const halt = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await base.call('stop').catch(() => undefined);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  await base.call('createwallet', 'harness');
  const harness = mk('wallet/harness');
  const minerAddress = await harness.call<string>('getnewaddress', '', 'bech32');
  // 101 blocks make the first coinbase spendable; 200 more give the counterparty many coins, so
  // its sends rarely chain on its own unconfirmed change. Regtest halves every 150 blocks.
  await harness.call('generatetoaddress', 301, minerAddress);
  return {
    kind: bin.kind,
    url,
    user,
    password,
    networkParams: bin.kind === 'litecoind' ? LITECOIN_REGTEST : BITCOIN_REGTEST,
    base,
    harness,
    oracle: mk('wallet/oracle'),
    minerAddress,
    async restart() {
      await halt();
      await launch();
      // Wallets made by createwallet are not loaded at start unless asked to: load both again.
      for (const name of ['harness', 'oracle']) {
        await base.call('loadwallet', name).catch((err: Error) => {
          if (!/already loaded/i.test(err.message)) throw err;
        });
      }
    },
    async stop() {
      await halt();
      process.off('exit', killOnExit);
      rmSync(datadir, { recursive: true, force: true });
    },
  };
}

/** Converts an RPC coin amount (a JSON float of 8 decimals) to sats exactly. */
export function coinsToSats(amount: number): bigint {
  return BigInt(Math.round(amount * 1e8));
}

/** Converts sats to the JSON coin amount the node's RPC takes. */
export function satsToCoins(sats: bigint): number {
  return Number(sats) / 1e8;
}
