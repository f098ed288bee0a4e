/**
 * The ledger's port: indexed reads for the RPC layer, and a transaction handle through which a
 * chain event is applied atomically. `src/keystore/sql-ledger-store.ts` is the adapter.
 */
import type { AddressHighWater, AddressRecord, BlockRef, TxStatus } from '../types.ts';
import type { BucketTotals, CoinBucket, LedgerCoin, LedgerTx, Outpoint, SpendRecord } from './ledger-types.ts';

export type { AddressHighWater } from '../types.ts';

/** Reads and writes of one wallet's ledger inside one SQL transaction. */
export interface LedgerTxn {
  readonly walletId: string;
  getTxs(txids: readonly string[]): Promise<Map<string, LedgerTx>>;
  putTx(tx: LedgerTx): Promise<void>;
  setTxStatus(txid: string, status: TxStatus, links: { replacedBy?: string | null; conflictedBy?: string | null }): Promise<void>;
  /** Removes a tx the node refused outright, with its coins and spend records. */
  deleteTx(txid: string): Promise<void>;
  getCoins(outpoints: readonly Outpoint[]): Promise<Map<Outpoint, LedgerCoin>>;
  /** Coins created by the given transactions. */
  coinsOf(txids: readonly string[]): Promise<LedgerCoin[]>;
  /** Inserts coins not yet stored; stored ones are left as they are. */
  insertCoins(coins: readonly LedgerCoin[]): Promise<void>;
  /** Updates height, trust, spender and bucket of stored coins. */
  updateCoins(coins: readonly LedgerCoin[]): Promise<void>;
  addSpends(spends: readonly SpendRecord[]): Promise<void>;
  /** Every recorded spender of the given outpoints. */
  spendersOf(outpoints: readonly Outpoint[]): Promise<SpendRecord[]>;
  /** Every recorded input of the given transactions. */
  inputsOf(txids: readonly string[]): Promise<SpendRecord[]>;
  /** Transactions confirmed above `height`. */
  txsAbove(height: number): Promise<LedgerTx[]>;
  /** Transactions conflicted by one of `txids`. */
  conflictedBy(txids: readonly string[]): Promise<LedgerTx[]>;
  /** Transactions replaced by one of `txids`. */
  replacedBy(txids: readonly string[]): Promise<LedgerTx[]>;
  /**
   * Coinbase coins whose maturity may change with the tip: those still immature, and those
   * confirmed at or above `height` (a tip that moved back can make them immature again).
   */
  maturityCandidates(height: number): Promise<LedgerCoin[]>;
  /** Address rows paying the given scripts. */
  addressesByScript(scripts: readonly string[]): Promise<Map<string, AddressRecord>>;
  markUsed(scripts: readonly string[]): Promise<void>;
  insertAddresses(rows: readonly AddressRecord[]): Promise<void>;
  addressHighWater(): Promise<AddressHighWater>;
  /** Remembers the hashes of blocks the wallet has seen, for locating forks. */
  putBlocks(blocks: readonly BlockRef[]): Promise<void>;
  deleteBlocksAbove(height: number): Promise<void>;
  setSyncPoint(point: BlockRef): Promise<void>;
}

/** A page of history, newest first. */
/** A second bound on a page: what each tx weighs (say its outputs) and the most a page may hold. */
export interface PageBudget {
  max: number;
  weigh(tx: LedgerTx): number;
}

/** One page of history and the cursor of the next one. */
export interface TxPage {
  txs: LedgerTx[];
  next: string | null;
}

/** The ledger's persistence. Reads are indexed; writes happen inside `transact`. */
export interface LedgerStore {
  /** Applies `fn` atomically to one wallet's ledger: all of its writes commit, or none. */
  transact<T>(walletId: string, fn: (txn: LedgerTxn) => Promise<T>): Promise<T>;
  totals(walletId: string): Promise<BucketTotals>;
  /** Totals of one address's coins. */
  addressTotals(walletId: string, address: string): Promise<BucketTotals>;
  /** Sum of unexpired leased coins in the given buckets (of one address, when given). */
  leasedValue(walletId: string, buckets: readonly CoinBucket[], now: number, address?: string): Promise<bigint>;
  /** Coins in the given buckets, ordered by outpoint, at most `limit` after `after`. */
  listCoins(walletId: string, opts: { buckets: readonly CoinBucket[]; limit: number; after?: Outpoint; maxHeight?: number }): Promise<LedgerCoin[]>;
  /**
   * Candidates for coin selection, unleased, in the given buckets: the largest coins and those
   * nearest `target`, so a send costs the same in a wallet of any size.
   */
  selectionCandidates(walletId: string, opts: { buckets: readonly CoinBucket[]; target: bigint; now: number; limit: number }): Promise<LedgerCoin[]>;
  getCoins(walletId: string, outpoints: readonly Outpoint[]): Promise<Map<Outpoint, LedgerCoin>>;
  coinsOf(walletId: string, txids: readonly string[]): Promise<LedgerCoin[]>;
  inputsOf(walletId: string, txids: readonly string[]): Promise<SpendRecord[]>;
  getTx(walletId: string, txid: string): Promise<LedgerTx | null>;
  /**
   * Newest first, at most `limit` txs; with `budget`, the page also ends once its txs weigh
   * `budget.max` (always at least one tx), and `next` goes on from there.
   */
  listTxs(walletId: string, opts: { limit: number; before?: string; budget?: PageBudget }): Promise<TxPage>;
  countTxs(walletId: string): Promise<number>;
  /** Broadcasting and pending transactions: few, and what each poll checks against the mempool. */
  unconfirmedTxs(walletId: string): Promise<LedgerTx[]>;
  /** Transactions confirmed in heights [from, to]. */
  txsInHeights(walletId: string, from: number, to: number): Promise<LedgerTx[]>;
  /** Outpoints a scan must watch: coins not spent by a confirmed tx, whose creator is live. */
  watchedOutpoints(walletId: string): Promise<Outpoint[]>;
  /** Stored block hashes at or below `height`, ascending. */
  blocksUpTo(walletId: string, height: number): Promise<BlockRef[]>;
  getSyncPoint(walletId: string): Promise<BlockRef | null>;
}
