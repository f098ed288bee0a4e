/**
 * Shared helpers for the ledger reproduction tests (issue 11): real `walletd` daemons following
 * the test's regtest node, waiting for sync, and node-side facts to judge the wallet by.
 */
import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { WebSocket } from 'ws';
import { ok, startChainDaemon, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import type { RegtestNode } from '../harness/regtest-node.ts';
import { WsClient } from '../notify/ws-client.ts';

/** get_balance as LEDGER-API.md defines it (fields absent on today's code stay optional). */
export interface LedgerBalance {
  confirmed: number;
  immature?: number;
  trustedPending?: number;
  untrustedPending?: number;
  unconfirmed: number;
  spendable?: number;
  total: number;
}

/** One get_unspent_outputs item as LEDGER-API.md defines it. */
export interface LedgerCoin {
  txid: string;
  vout: number;
  value: number;
  address: string;
  confirmations: number;
  coinbase?: boolean;
  trusted?: boolean;
  spendable?: boolean;
  lockedUntil: number | null;
}

/** The daemons' poll interval: short, so sync follows the node quickly. */
export const POLL_MS = 200;

/** Starts daemons for one test file; `restart` stops one and starts it again on its data dir. */
export interface DaemonStarter {
  (node: RegtestNode, env?: Record<string, string>): Promise<RunningDaemon>;
  restart(d: RunningDaemon, node: RegtestNode, env?: Record<string, string>): Promise<RunningDaemon>;
}

/** Starts daemons on demand and stops them (and removes their data dirs) after the file. */
export function useDaemons(): DaemonStarter {
  const started: RunningDaemon[] = [];
  afterAll(async () => {
    for (const d of started) {
      d.child.kill('SIGTERM');
      await d.exited;
      rmSync(d.datadir, { recursive: true, force: true });
    }
  });
  const launch = async (node: RegtestNode, env: Record<string, string>, datadir?: string) => {
    const d = await startChainDaemon(node, datadir, { WALLETD_CHAIN_POLL_INTERVAL_MS: String(POLL_MS), ...env });
    started.push(d);
    return d;
  };
  const start = (node: RegtestNode, env: Record<string, string> = {}) => launch(node, env);
  return Object.assign(start, {
    async restart(d: RunningDaemon, node: RegtestNode, env: Record<string, string> = {}) {
      d.child.kill('SIGTERM');
      await d.exited;
      return launch(node, env, d.datadir);
    },
  });
}

/** A wallet-scoped caller of one daemon: `call(method, params)` adds the wallet id. */
export function walletCaller(d: RunningDaemon, wallet: string) {
  return <T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}) =>
    ok<T>(d, d.adminToken, method, { wallet, ...params });
}

/**
 * Waits until the daemon has synced `wallet` to the node's tip height, then lets `rounds` more
 * poll intervals pass, so a pass that started after the node's last change has completed.
 */
export async function settle(d: RunningDaemon, wallet: string, node: RegtestNode, rounds = 3): Promise<void> {
  const deadline = Date.now() + 60_000;
  const tip = await node.rpc<number>('getblockcount');
  for (;;) {
    const info = await ok<{ sync: { syncHeight: number | null } }>(d, d.adminToken, 'get_wallet_info', { wallet });
    if (info.sync.syncHeight === tip) break;
    if (Date.now() > deadline) throw new Error(`wallet ${wallet} not synced to ${tip}: ${JSON.stringify(info.sync)}`);
    await sleep(50);
  }
  await sleep(rounds * POLL_MS + 100);
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Node amounts (coins, as JSON numbers) in sats. */
export const sats = (coins: number) => Math.round(coins * 1e8);

/** The node's verbose view of a transaction (mempool or chain; the harness node has -txindex). */
export interface NodeTx {
  txid: string;
  hex: string;
  confirmations?: number;
  vin: Array<{ txid?: string; vout?: number; coinbase?: string }>;
  vout: Array<{ n: number; value: number; scriptPubKey: { hex: string; address?: string; addresses?: string[] } }>;
}

/** The address an output pays, in either node JSON shape. */
export const outAddress = (o: NodeTx['vout'][number]) => o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0];

/** Mempool transactions that pay `address`. */
export async function mempoolPayersOf(node: RegtestNode, address: string): Promise<NodeTx[]> {
  const pool = await node.rpc<string[]>('getrawmempool');
  const txs = await Promise.all(pool.map((t) => node.rpc<NodeTx>('getrawtransaction', t, true)));
  return txs.filter((tx) => tx.vout.some((o) => outAddress(o) === address));
}

/**
 * A transaction of the node's wallet that spends every input of `txid` and pays them back to
 * the node, signed but not broadcast: mined with `generateblock`, it double-spends `txid`.
 */
export async function doubleSpendHex(node: RegtestNode, txid: string): Promise<string> {
  const tx = await node.rpc<NodeTx>('getrawtransaction', txid, true);
  let total = 0;
  const inputs = [];
  for (const i of tx.vin) {
    const prev = await node.rpc<NodeTx>('getrawtransaction', i.txid, true);
    total += sats(prev.vout[i.vout!]!.value);
    inputs.push({ txid: i.txid, vout: i.vout });
  }
  const to = await node.rpc<string>('getnewaddress');
  const raw = await node.rpc<string>('createrawtransaction', inputs, { [to]: (total - 20_000) / 1e8 });
  const signed = await node.rpc<{ hex: string; complete: boolean }>('signrawtransactionwithwallet', raw);
  if (!signed.complete) throw new Error(`node could not sign the double-spend of ${txid}`);
  return signed.hex;
}

/** Mines one block holding exactly `txs` (hex or mempool txids) to the node's address; returns its hash. */
export async function mineWith(node: RegtestNode, txs: string[]): Promise<string> {
  const { hash } = await node.rpc<{ hash: string }>('generateblock', node.minerAddress, txs);
  return hash;
}

/** Opens an authenticated WebSocket to the daemon. */
export async function connectWs(d: RunningDaemon, token: string): Promise<WsClient> {
  const ws = new WebSocket(`${d.url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return new WsClient(ws);
}
