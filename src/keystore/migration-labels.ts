/**
 * Schema v7: BIP329 labels that have no column of their own (issue 13). A wallet address keeps
 * its label in `addresses.label`; every other record (transactions, foreign addresses, inputs,
 * outputs, public keys, xpubs) lives here, apart from the ledger, so sync never rewrites it and
 * a label imported before a rescan is there when the rescan finds its transaction.
 */
import type { Migration } from './migrations.ts';

/** The v7 migration. */
export const LABELS_MIGRATION: Migration = {
  version: 7,
  description: 'labels: BIP329 records for transactions, foreign addresses, inputs, outputs, pubkeys and xpubs',
  up: [
    `CREATE TABLE labels (
      wallet_id TEXT NOT NULL REFERENCES wallets (id) ON DELETE CASCADE,
      type TEXT NOT NULL CHECK (type IN ('tx', 'addr', 'pubkey', 'input', 'output', 'xpub')),
      ref TEXT NOT NULL,
      label TEXT,
      origin TEXT,
      spendable INTEGER,
      PRIMARY KEY (wallet_id, type, ref)
    )`,
    // The v2 column was never written by any release; carry over anything a build put there.
    `INSERT OR IGNORE INTO labels (wallet_id, type, ref, label)
      SELECT wallet_id, 'tx', txid, label FROM ledger_txs WHERE label IS NOT NULL AND label != ''`,
  ],
};
