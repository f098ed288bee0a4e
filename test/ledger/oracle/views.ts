/**
 * walletd's side of the comparison: one batched reading of its sync height, coins, balance and
 * transaction statuses, normalised to the same shapes as the oracle's.
 */
import type { WalletdControl } from './walletd-control.ts';

/** One unspent output, as both sides report it. */
export interface Coin {
  outpoint: string;
  value: bigint;
  confirmations: number;
  /** walletd only; absent on walletd builds older than the ledger rebuild. */
  coinbase?: boolean;
}

/** One walletd transaction's status. */
export interface WalletdTx {
  txid: string;
  status: string;
  confirmations: number;
}

/** Everything walletd says at one moment. */
export interface WalletdView {
  syncHeight: number | null;
  addressCount: { receive: number; change: number };
  descriptors: { receive: string; change: string };
  unspent: Map<string, Coin>;
  /** get_balance as answered (field names of the target API; old builds lack some). */
  balance: Record<string, number>;
  txs: Map<string, WalletdTx>;
}

interface WireCoin { txid: string; vout: number; value: number; confirmations: number; coinbase?: boolean }
interface WireInfo {
  sync: { syncHeight: number | null };
  addressCount: { receive: number; change: number };
  descriptors: { receive: string; change: string };
}
interface WirePage { transactions: WalletdTx[]; nextCursor: string | null }

/** Reads walletd's view in one batch (plus more history pages when there are over 1000 txs). */
export async function readWalletdView(w: WalletdControl): Promise<WalletdView> {
  const answers = await w.batch([
    { method: 'get_wallet_info' },
    { method: 'get_unspent_outputs', params: { minConf: 0 } },
    { method: 'get_balance' },
    { method: 'get_transaction_history', params: { limit: 1000 } },
  ]);
  for (const a of answers) if (a instanceof Error) throw a;
  const [info, coins, balance, firstPage] = answers as [WireInfo, WireCoin[], Record<string, number>, WirePage];
  const txs = new Map<string, WalletdTx>();
  let page = firstPage;
  for (;;) {
    for (const t of page.transactions) txs.set(t.txid, { txid: t.txid, status: t.status, confirmations: t.confirmations });
    if (!page.nextCursor) break;
    page = await w.call<WirePage>('get_transaction_history', { limit: 1000, cursor: page.nextCursor });
  }
  const unspent = new Map<string, Coin>();
  for (const c of coins) {
    const outpoint = `${c.txid}:${c.vout}`;
    unspent.set(outpoint, { outpoint, value: BigInt(c.value), confirmations: c.confirmations, coinbase: c.coinbase });
  }
  return {
    syncHeight: info.sync.syncHeight,
    addressCount: info.addressCount,
    descriptors: info.descriptors,
    unspent,
    balance,
    txs,
  };
}
