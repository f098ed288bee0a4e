/** Row shapes of the ledger tables and their mapping to the ledger's records. */
import type { CoinBucket, LedgerCoin, LedgerTx } from '../wallet/ledger/ledger-types.ts';
import type { ChainIndex, TxStatus } from '../wallet/types.ts';
import type { SqlParams } from './database.ts';

/** A `ledger_txs` row. */
export interface LedgerTxRow {
  wallet_id: string;
  txid: string;
  hex: string;
  status: string;
  block_height: number | null;
  block_hash: string | null;
  block_time: number | null;
  coinbase: number;
  trusted: number;
  replaced_by: string | null;
  conflicted_by: string | null;
  first_seen: number;
  label: string | null;
  relayed: number;
}

/** A `ledger_coins` row. */
export interface LedgerCoinRow {
  wallet_id: string;
  txid: string;
  vout: number;
  value: number;
  script: string;
  address: string;
  chain: number;
  idx: number;
  coinbase: number;
  block_height: number | null;
  trusted: number;
  spent_by: string | null;
  bucket: string;
}

/** Maps a row to its ledger transaction. */
export const toLedgerTx = (r: LedgerTxRow): LedgerTx => ({
  walletId: r.wallet_id, txid: r.txid, hex: r.hex, status: r.status as TxStatus,
  blockHeight: r.block_height, blockHash: r.block_hash, blockTime: r.block_time,
  coinbase: r.coinbase === 1, trusted: r.trusted === 1, replacedBy: r.replaced_by, conflictedBy: r.conflicted_by,
  firstSeen: r.first_seen, label: r.label, relayed: r.relayed === 1,
});

/** Maps a row to its coin; sats become bigint. */
export const toLedgerCoin = (r: LedgerCoinRow): LedgerCoin => ({
  walletId: r.wallet_id, txid: r.txid, vout: r.vout, value: BigInt(r.value), script: r.script, address: r.address,
  chain: r.chain as ChainIndex, index: r.idx, coinbase: r.coinbase === 1, blockHeight: r.block_height,
  trusted: r.trusted === 1, spentBy: r.spent_by, bucket: r.bucket as CoinBucket,
});

/** Upsert of a ledger transaction: every column follows the ledger, but first sighting keeps the earliest. */
export const PUT_TX = `INSERT INTO ledger_txs (wallet_id, txid, hex, status, block_height, block_hash, block_time,
    coinbase, trusted, replaced_by, conflicted_by, first_seen, label, relayed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (wallet_id, txid) DO UPDATE SET hex = excluded.hex, status = excluded.status,
    block_height = excluded.block_height, block_hash = excluded.block_hash, block_time = excluded.block_time,
    coinbase = excluded.coinbase, trusted = excluded.trusted, replaced_by = excluded.replaced_by,
    conflicted_by = excluded.conflicted_by, first_seen = MIN(first_seen, excluded.first_seen), label = excluded.label,
    relayed = excluded.relayed`;

/** Parameters of PUT_TX. */
export const txParams = (t: LedgerTx): SqlParams => [
  t.walletId, t.txid, t.hex, t.status, t.blockHeight, t.blockHash, t.blockTime, t.coinbase ? 1 : 0, t.trusted ? 1 : 0,
  t.replacedBy, t.conflictedBy, t.firstSeen, t.label, t.relayed ? 1 : 0,
];

/** Insert of a coin that keeps a stored one untouched. */
export const INSERT_COIN = `INSERT INTO ledger_coins (wallet_id, txid, vout, value, script, address, chain, idx,
    coinbase, block_height, trusted, spent_by, bucket) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (wallet_id, txid, vout) DO NOTHING`;

/** Parameters of INSERT_COIN. */
export const coinParams = (c: LedgerCoin): SqlParams => [
  c.walletId, c.txid, c.vout, c.value, c.script, c.address, c.chain, c.index, c.coinbase ? 1 : 0, c.blockHeight,
  c.trusted ? 1 : 0, c.spentBy, c.bucket,
];

/** Update of a coin's mutable state. */
export const UPDATE_COIN = `UPDATE ledger_coins SET block_height = ?, trusted = ?, spent_by = ?, bucket = ?
  WHERE wallet_id = ? AND txid = ? AND vout = ?`;

/** Parameters of UPDATE_COIN. */
export const coinStateParams = (c: LedgerCoin): SqlParams => [
  c.blockHeight, c.trusted ? 1 : 0, c.spentBy, c.bucket, c.walletId, c.txid, c.vout,
];

/** JSON array of `[txid, vout]` pairs, for `json_each` joins (one prepared statement for any count). */
export function outpointsJson(outpoints: readonly string[]): string {
  return JSON.stringify(outpoints.map((op) => {
    const at = op.lastIndexOf(':');
    return [op.slice(0, at), Number(op.slice(at + 1))];
  }));
}
