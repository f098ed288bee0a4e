/**
 * Schema v2: the ledger as chain-indexed state (SPEC §7). Coins carry their bucket, and
 * per-wallet totals follow every coin change through triggers, inside the same transaction, so
 * a balance is one row read. The v1 tables stay until `rebuildLedger` has replayed them.
 */
import type { Migration } from './migrations.ts';

const BUCKETS = ['confirmed', 'immature', 'trusted_pending', 'untrusted_pending'] as const;

/** `col = col ± (bucket = 'x') * value` for every total column. */
function totalsDelta(sign: '+' | '-', row: 'NEW' | 'OLD'): string {
  return BUCKETS.map((b) => `${b} = ${b} ${sign} (${row}.bucket = '${b}') * ${row}.value`).join(', ');
}

/** The v2 migration. */
export const LEDGER_MIGRATION: Migration = {
  version: 2,
  description: 'ledger as state: coins with buckets, spend records, per-wallet totals, block hashes, lookahead',
  up: [
    `CREATE TABLE ledger_txs (
      wallet_id TEXT NOT NULL REFERENCES wallets (id) ON DELETE CASCADE,
      txid TEXT NOT NULL,
      hex TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('broadcasting', 'pending', 'confirmed', 'replaced', 'conflicted')),
      block_height INTEGER,
      block_hash TEXT,
      block_time INTEGER,
      coinbase INTEGER NOT NULL DEFAULT 0,
      trusted INTEGER NOT NULL DEFAULT 0,
      replaced_by TEXT,
      conflicted_by TEXT,
      first_seen INTEGER NOT NULL,
      label TEXT,
      PRIMARY KEY (wallet_id, txid)
    )`,
    `CREATE INDEX ledger_txs_history ON ledger_txs
      (wallet_id, COALESCE(block_height, 2147483647) DESC, first_seen DESC, txid DESC)`,
    `CREATE INDEX ledger_txs_unconfirmed ON ledger_txs (wallet_id, first_seen) WHERE status IN ('broadcasting', 'pending')`,
    `CREATE INDEX ledger_txs_height ON ledger_txs (wallet_id, block_height) WHERE block_height IS NOT NULL`,
    `CREATE INDEX ledger_txs_conflicted_by ON ledger_txs (wallet_id, conflicted_by) WHERE conflicted_by IS NOT NULL`,
    `CREATE TABLE ledger_coins (
      wallet_id TEXT NOT NULL REFERENCES wallets (id) ON DELETE CASCADE,
      txid TEXT NOT NULL,
      vout INTEGER NOT NULL,
      value INTEGER NOT NULL,
      script TEXT NOT NULL,
      address TEXT NOT NULL,
      chain INTEGER NOT NULL,
      idx INTEGER NOT NULL,
      coinbase INTEGER NOT NULL,
      block_height INTEGER,
      trusted INTEGER NOT NULL,
      spent_by TEXT,
      bucket TEXT NOT NULL CHECK (bucket IN ('confirmed', 'immature', 'trusted_pending', 'untrusted_pending', 'spent', 'dead')),
      PRIMARY KEY (wallet_id, txid, vout)
    )`,
    `CREATE INDEX ledger_coins_bucket ON ledger_coins (wallet_id, bucket, value)`,
    `CREATE INDEX ledger_coins_address ON ledger_coins (wallet_id, address, bucket)`,
    `CREATE INDEX ledger_coins_coinbase ON ledger_coins (wallet_id, block_height) WHERE coinbase = 1`,
    `CREATE TABLE ledger_spends (
      wallet_id TEXT NOT NULL REFERENCES wallets (id) ON DELETE CASCADE,
      prev_txid TEXT NOT NULL,
      prev_vout INTEGER NOT NULL,
      spender TEXT NOT NULL,
      PRIMARY KEY (wallet_id, prev_txid, prev_vout, spender)
    )`,
    `CREATE INDEX ledger_spends_by_spender ON ledger_spends (wallet_id, spender)`,
    `CREATE TABLE ledger_totals (
      wallet_id TEXT PRIMARY KEY REFERENCES wallets (id) ON DELETE CASCADE,
      ${BUCKETS.map((b) => `${b} INTEGER NOT NULL DEFAULT 0`).join(',\n      ')}
    )`,
    `CREATE TRIGGER ledger_coins_insert AFTER INSERT ON ledger_coins BEGIN
      INSERT OR IGNORE INTO ledger_totals (wallet_id) VALUES (NEW.wallet_id);
      UPDATE ledger_totals SET ${totalsDelta('+', 'NEW')} WHERE wallet_id = NEW.wallet_id;
    END`,
    `CREATE TRIGGER ledger_coins_update AFTER UPDATE OF bucket ON ledger_coins WHEN OLD.bucket IS NOT NEW.bucket BEGIN
      UPDATE ledger_totals SET ${totalsDelta('-', 'OLD')} WHERE wallet_id = OLD.wallet_id;
      UPDATE ledger_totals SET ${totalsDelta('+', 'NEW')} WHERE wallet_id = NEW.wallet_id;
    END`,
    `CREATE TRIGGER ledger_coins_delete AFTER DELETE ON ledger_coins BEGIN
      UPDATE ledger_totals SET ${totalsDelta('-', 'OLD')} WHERE wallet_id = OLD.wallet_id;
    END`,
    `CREATE TABLE wallet_blocks (
      wallet_id TEXT NOT NULL REFERENCES wallets (id) ON DELETE CASCADE,
      height INTEGER NOT NULL,
      hash TEXT NOT NULL,
      PRIMARY KEY (wallet_id, height)
    )`,
    `INSERT INTO wallet_blocks (wallet_id, height, hash) SELECT wallet_id, height, hash FROM sync_points WHERE hash != ''`,
    `ALTER TABLE wallets ADD COLUMN lookahead INTEGER NOT NULL DEFAULT 20`,
    `CREATE INDEX addresses_free ON addresses (wallet_id, chain, issued, used, idx)`,
    `INSERT INTO meta (key, value) VALUES ('ledger.rebuild', 'pending')`,
  ],
};
