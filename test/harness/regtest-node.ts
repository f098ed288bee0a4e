/**
 * Starts a throwaway regtest node (litecoind or bitcoind) for integration tests: fresh datadir,
 * free ports, random RPC credentials, a funded node wallet. Tests fail, never skip, without one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { BitcoindRpc } from '../../src/chain/bitcoind-rpc.ts';
import type { NetworkParams } from '../../src/wallet/types.ts';
import { findNodeBinary as findBinary, launchRegtestNode, satsToCoins, type NodeBinary, type RegtestProcess } from '../../src/sandbox/regtest-node.ts';

export { BITCOIN_REGTEST, LITECOIN_REGTEST, freePort } from '../../src/sandbox/regtest-node.ts';

/** A running regtest node with a funded wallet, owned by one test file. */
export interface RegtestNode {
  kind: 'litecoind' | 'bitcoind';
  /** RPC URL without credentials. */
  url: string;
  user: string;
  password: string;
  networkParams: NetworkParams;
  /** An address of the node's own wallet; mined coins go here by default. */
  minerAddress: string;
  datadir: string;
  /** Calls a node RPC (wallet calls go to the harness wallet). */
  rpc<T>(method: string, ...params: unknown[]): Promise<T>;
  /** Mines `n` blocks to `address` (default: minerAddress); returns their hashes. */
  mine(n: number, address?: string): Promise<string[]>;
  /** Sends `sats` to `address` from the node's wallet; returns the txid (unconfirmed). */
  fund(address: string, sats: bigint): Promise<string>;
  /** Stops the node, waits for it to exit (kills it if needed) and removes its datadir. */
  stop(): Promise<void>;
}

const live = new Set<RegtestProcess>();
let exitHookInstalled = false;

/** Finds the node binary: $WALLETD_TEST_NODE, then bitcoind on PATH, then Debian's litecoind. */
export function findNodeBinary(): NodeBinary {
  const override = process.env.WALLETD_TEST_NODE || undefined;
  try {
    return findBinary(override);
  } catch (err) {
    throw override ? new Error(`WALLETD_TEST_NODE=${(err as Error).message}`) : err;
  }
}

/** Starts a node, creates its wallet and mines 101 blocks so the wallet has spendable coins. */
export async function startRegtestNode(): Promise<RegtestNode> {
  const datadir = mkdtempSync(join(tmpdir(), 'walletd-regtest-'));
  let proc: RegtestProcess;
  try {
    proc = await launchRegtestNode({ binary: findNodeBinary(), datadir, auth: 'password' });
  } catch (err) {
    rmSync(datadir, { recursive: true, force: true });
    throw err;
  }
  live.add(proc);
  installExitHook();
  const stop = async (): Promise<void> => {
    await proc.stop();
    live.delete(proc);
    rmSync(datadir, { recursive: true, force: true });
  };
  try {
    await proc.base.call('createwallet', 'harness');
    const wallet: BitcoindRpc = proc.wallet('harness');
    const minerAddress = await wallet.call<string>('getnewaddress', '', 'bech32');
    const node: RegtestNode = {
      kind: proc.kind,
      url: proc.url,
      user: proc.user,
      password: proc.password,
      datadir,
      networkParams: proc.networkParams,
      minerAddress,
      rpc: <T>(method: string, ...params: unknown[]) => wallet.call<T>(method, ...params),
      mine: (n, address = minerAddress) => wallet.call<string[]>('generatetoaddress', n, address),
      fund: (address, sats) => wallet.call<string>('sendtoaddress', address, satsToCoins(sats)),
      stop,
    };
    // Coinbase outputs mature after 100 confirmations (consensus COINBASE_MATURITY).
    await node.mine(101);
    return node;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts one node per test file (beforeAll) and stops it (afterAll); read `.node` inside tests. */
export function useRegtestNode(): { readonly node: RegtestNode } {
  let node: RegtestNode | undefined;
  beforeAll(async () => {
    node = await startRegtestNode();
  });
  afterAll(async () => {
    await node?.stop();
  });
  return {
    get node(): RegtestNode {
      if (!node) throw new Error('regtest node not started (use it inside tests or hooks)');
      return node;
    },
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed test worker must not leave orphan nodes holding ports and disk.
  process.once('exit', () => {
    for (const proc of live) proc.kill();
  });
}
