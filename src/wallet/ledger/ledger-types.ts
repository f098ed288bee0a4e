/**
 * The ledger's records: transactions and coins as chain events leave them (SPEC §5, §7).
 * They are state, kept up to date by sync, never recomputed from history on a read.
 */
import type { ChainIndex, TxStatus } from '../types.ts';

/**
 * Where a coin's value counts. The first four are balance categories (BDK's `Balance`); a coin
 * moves between buckets as chain events arrive, and per-wallet totals move with it in the same
 * SQL transaction.
 */
export type CoinBucket = 'confirmed' | 'immature' | 'trusted_pending' | 'untrusted_pending' | 'spent' | 'dead';

/** Buckets whose coins are money the wallet holds. */
export const LIVE_BUCKETS: readonly CoinBucket[] = ['confirmed', 'immature', 'trusted_pending', 'untrusted_pending'];

/** Live buckets of coins confirmed in a block. */
export const MINED_BUCKETS: readonly CoinBucket[] = ['confirmed', 'immature'];

/** Statuses of a transaction whose outputs exist or may still exist. */
export const LIVE_STATUSES: ReadonlySet<TxStatus> = new Set(['broadcasting', 'pending', 'confirmed']);

/** A wallet transaction as the ledger keeps it. */
export interface LedgerTx {
  walletId: string;
  txid: string;
  hex: string;
  status: TxStatus;
  blockHeight: number | null;
  blockHash: string | null;
  blockTime: number | null;
  coinbase: boolean;
  /** Every input spends a coin of this wallet that was itself trusted (Core's IsTrusted for own txs). */
  trusted: boolean;
  replacedBy: string | null;
  conflictedBy: string | null;
  /**
   * False while the node refuses to hold a still-valid unconfirmed tx (mempool full, too long a
   * chain): it stays pending and is rebroadcast, but its outputs do not count (Core's InMempool).
   */
  relayed: boolean;
  /** Unix ms when the wallet first saw it. */
  firstSeen: number;
  label: string | null;
}

/** An output paying one of the wallet's scripts. */
export interface LedgerCoin {
  walletId: string;
  txid: string;
  vout: number;
  value: bigint;
  script: string;
  address: string;
  chain: ChainIndex;
  index: number;
  coinbase: boolean;
  /** Height of the block that confirmed the creating tx; null while unconfirmed. */
  blockHeight: number | null;
  /** Copied from the creating tx. */
  trusted: boolean;
  /** The live transaction spending it, if any. */
  spentBy: string | null;
  bucket: CoinBucket;
}

/** Per-wallet totals of the live buckets, in sats. */
export interface BucketTotals {
  confirmed: bigint;
  immature: bigint;
  trustedPending: bigint;
  untrustedPending: bigint;
}

/** `txid:vout`. */
export type Outpoint = string;

/** A recorded input of a wallet transaction: `spender` spends `outpoint` (ours or not). */
export interface SpendRecord {
  outpoint: Outpoint;
  spender: string;
}

/** Splits `txid:vout`. */
export function splitOutpoint(op: Outpoint): { txid: string; vout: number } {
  const at = op.lastIndexOf(':');
  return { txid: op.slice(0, at), vout: Number(op.slice(at + 1)) };
}
