/**
 * `WalletStore` over the SQLCipher keystore. Every write is one transaction; bulk rows go
 * through one prepared statement inside it (STYLE.md "Pitfalls": 20–40× faster).
 */
import { fail } from '../errors.ts';
import type { SyncUpdate, WalletStore } from '../wallet/ports.ts';
import type { AddressRecord, BlockRef, OutputLease, TxStatus, WalletOutput, WalletRecord, WalletTx } from '../wallet/types.ts';
import type { Database, SqlParams, TxHandle } from './database.ts';
import {
  MEMPOOL_HEIGHT,
  SORT_HEIGHT,
  toAddress,
  toLease,
  toOutput,
  toTx,
  toWallet,
  type AddressRow,
  type LeaseRow,
  type OutputRow,
  type TxRow,
  type WalletRow,
} from './wallet-rows.ts';

// ON CONFLICT DO NOTHING (unlike INSERT OR IGNORE) still fails on CHECK and NOT NULL violations.
const INSERT_ADDRESS = `INSERT INTO addresses
  (wallet_id, chain, idx, address, script, path, label, issued, used) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (wallet_id, chain, idx) DO NOTHING`;
const addressParams = (a: AddressRecord): SqlParams => [
  a.walletId, a.chain, a.index, a.address, a.script, a.path, a.label, a.issued ? 1 : 0, a.used ? 1 : 0,
];

/** History cursor: the sort key of the last row of a page, opaque to clients. */
type Cursor = [sortHeight: number, firstSeen: number, txid: string];

function encodeCursor(tx: WalletTx): string {
  const c: Cursor = [tx.blockHeight ?? MEMPOOL_HEIGHT, tx.firstSeen, tx.txid];
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const c: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (
      Array.isArray(c) && c.length === 3 &&
      Number.isInteger(c[0]) && Number.isInteger(c[1]) && typeof c[2] === 'string'
    ) {
      return c as Cursor;
    }
  } catch {
    // fall through to the error below
  }
  return fail('INVALID_PARAMS', 'invalid cursor', { field: 'cursor' });
}

/** Splits `txid:vout`. */
function parseOutpoint(op: string): { txid: string; vout: number } {
  const i = op.lastIndexOf(':');
  const vout = Number(op.slice(i + 1));
  if (i <= 0 || !Number.isInteger(vout) || vout < 0) fail('INVALID_PARAMS', `invalid outpoint ${op}`);
  return { txid: op.slice(0, i), vout };
}

/** The wallet core's persistence, over one SQLCipher connection. */
export class SqlWalletStore implements WalletStore {
  constructor(private readonly db: Database) {}

  async insertWallet(wallet: WalletRecord, addresses: AddressRecord[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO wallets (id, name, network, address_type, account_xpub, master_fingerprint,
          sealed_seed, has_passphrase, created_at, birth_height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          wallet.id, wallet.name, wallet.network, wallet.addressType, wallet.accountXpub,
          wallet.masterFingerprint, wallet.sealedSeed, wallet.hasPassphrase ? 1 : 0,
          wallet.createdAt, wallet.birthHeight,
        ],
      );
      await tx.runMany(INSERT_ADDRESS, addresses.map(addressParams));
    });
  }

  async getWallet(id: string): Promise<WalletRecord | null> {
    const row = await this.db.get<WalletRow>('SELECT * FROM wallets WHERE id = ?', [id]);
    return row ? toWallet(row) : null;
  }

  async listWallets(): Promise<WalletRecord[]> {
    const rows = await this.db.all<WalletRow>('SELECT * FROM wallets ORDER BY created_at, id');
    return rows.map(toWallet);
  }

  async findWalletByAccountXpub(accountXpub: string): Promise<WalletRecord | null> {
    const row = await this.db.get<WalletRow>('SELECT * FROM wallets WHERE account_xpub = ? LIMIT 1', [accountXpub]);
    return row ? toWallet(row) : null;
  }

  async updateSealedSeed(id: string, sealedSeed: Uint8Array, hasPassphrase: boolean): Promise<void> {
    const r = await this.db.run('UPDATE wallets SET sealed_seed = ?, has_passphrase = ? WHERE id = ?', [
      sealedSeed, hasPassphrase ? 1 : 0, id,
    ]);
    if (r.changes === 0) fail('WALLET_NOT_FOUND');
  }

  async listAddresses(walletId: string): Promise<AddressRecord[]> {
    const rows = await this.db.all<AddressRow>('SELECT * FROM addresses WHERE wallet_id = ? ORDER BY chain, idx', [
      walletId,
    ]);
    return rows.map(toAddress);
  }

  /** Inserts in one transaction; rows already present (same wallet, chain, index) are kept. */
  async insertAddresses(rows: AddressRecord[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction((tx) => tx.runMany(INSERT_ADDRESS, rows.map(addressParams)));
  }

  /** A null label keeps the address's existing label. */
  async markIssued(walletId: string, chain: 0 | 1, index: number, label: string | null): Promise<void> {
    const r = await this.db.run(
      'UPDATE addresses SET issued = 1, label = COALESCE(?, label) WHERE wallet_id = ? AND chain = ? AND idx = ?',
      [label, walletId, chain, index],
    );
    if (r.changes === 0) throw new Error(`address ${walletId}/${chain}/${index} is not stored`);
  }

  async getSyncPoint(walletId: string): Promise<BlockRef | null> {
    const row = await this.db.get<BlockRef>('SELECT height, hash FROM sync_points WHERE wallet_id = ?', [walletId]);
    return row ? { height: row.height, hash: row.hash } : null;
  }

  async applySync(walletId: string, update: SyncUpdate): Promise<void> {
    await this.db.transaction(async (tx) => {
      // first_seen keeps the earliest sighting; everything else follows the chain.
      await tx.runMany(
        `INSERT INTO wallet_txs (wallet_id, txid, hex, block_height, block_hash, block_time, status, replaced_by, first_seen)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (wallet_id, txid) DO UPDATE SET hex = excluded.hex, block_height = excluded.block_height,
            block_hash = excluded.block_hash, block_time = excluded.block_time, status = excluded.status,
            replaced_by = excluded.replaced_by, first_seen = MIN(first_seen, excluded.first_seen)`,
        update.txs.map((t) => [
          walletId, t.txid, t.hex, t.blockHeight, t.blockHash, t.blockTime, t.status, t.replacedBy, t.firstSeen,
        ]),
      );
      // A known spend is kept when a later scan reports the output without one.
      await tx.runMany(
        `INSERT INTO wallet_outputs (wallet_id, txid, vout, value, script, address, chain, idx, block_height, spent_by)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (wallet_id, txid, vout) DO UPDATE SET block_height = excluded.block_height,
            spent_by = COALESCE(excluded.spent_by, spent_by)`,
        update.outputs.map((o) => [
          walletId, o.txid, o.vout, o.value, o.script, o.address, o.chain, o.index, o.blockHeight, o.spentBy,
        ]),
      );
      await tx.runMany(
        'UPDATE wallet_outputs SET spent_by = ? WHERE wallet_id = ? AND txid = ? AND vout = ?',
        update.spends.map((s) => [s.spentBy, walletId, s.txid, s.vout]),
      );
      // New lookahead rows first, so a script this same update saw used is flagged on them too.
      await tx.runMany(INSERT_ADDRESS, update.newAddresses.map(addressParams));
      await tx.runMany(
        'UPDATE addresses SET used = 1 WHERE wallet_id = ? AND script = ?',
        update.usedScripts.map((s) => [walletId, s]),
      );
      await upsertSyncPoint(tx, walletId, update.syncPoint);
    });
  }

  async rollback(walletId: string, to: BlockRef): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `UPDATE wallet_txs SET block_height = NULL, block_hash = NULL, block_time = NULL,
          status = CASE WHEN status = 'confirmed' THEN 'pending' ELSE status END
          WHERE wallet_id = ? AND block_height > ?`,
        [walletId, to.height],
      );
      await tx.run('UPDATE wallet_outputs SET block_height = NULL WHERE wallet_id = ? AND block_height > ?', [
        walletId, to.height,
      ]);
      await upsertSyncPoint(tx, walletId, to);
    });
  }

  async setTxStatus(walletId: string, txid: string, status: TxStatus, replacedBy: string | null): Promise<void> {
    const r = await this.db.run('UPDATE wallet_txs SET status = ?, replaced_by = ? WHERE wallet_id = ? AND txid = ?', [
      status, replacedBy, walletId, txid,
    ]);
    if (r.changes === 0) fail('TX_NOT_FOUND', undefined, { txid });
  }

  /** Unconfirmed first, then by block height, then by first sighting, all newest first. */
  async listTxs(walletId: string, opts: { limit: number; before?: string }): Promise<{ txs: WalletTx[]; next: string | null }> {
    const limit = Math.max(1, Math.trunc(opts.limit));
    const params: SqlParams = opts.before === undefined ? [walletId, limit + 1] : [walletId, ...decodeCursor(opts.before), limit + 1];
    const where = opts.before === undefined ? '' : `AND (${SORT_HEIGHT}, first_seen, txid) < (?, ?, ?)`;
    const rows = await this.db.all<TxRow>(
      `SELECT * FROM wallet_txs WHERE wallet_id = ? ${where}
        ORDER BY ${SORT_HEIGHT} DESC, first_seen DESC, txid DESC LIMIT ?`,
      params,
    );
    const txs = rows.slice(0, limit).map(toTx);
    const last = txs[txs.length - 1];
    return { txs, next: rows.length > limit && last ? encodeCursor(last) : null };
  }

  async getTx(walletId: string, txid: string): Promise<WalletTx | null> {
    const row = await this.db.get<TxRow>('SELECT * FROM wallet_txs WHERE wallet_id = ? AND txid = ?', [walletId, txid]);
    return row ? toTx(row) : null;
  }

  async listOutputs(walletId: string, opts: { unspentOnly: boolean }): Promise<WalletOutput[]> {
    const rows = await this.db.all<OutputRow>(
      `SELECT * FROM wallet_outputs WHERE wallet_id = ? ${opts.unspentOnly ? 'AND spent_by IS NULL' : ''}
        ORDER BY ${SORT_HEIGHT}, txid, vout`,
      [walletId],
    );
    return rows.map(toOutput);
  }

  /** All or nothing: refuses (false) if any outpoint holds an unexpired lease, or appears twice. */
  async insertLeases(leases: OutputLease[], now: number): Promise<boolean> {
    if (leases.length === 0) return true;
    const keys = new Set(leases.map((l) => `${l.walletId}\n${l.txid}:${l.vout}`));
    if (keys.size !== leases.length) return false;
    return this.db.transaction(async (tx) => {
      for (const l of leases) {
        const live = await tx.get<{ n: number }>(
          'SELECT 1 AS n FROM output_leases WHERE wallet_id = ? AND txid = ? AND vout = ? AND expires_at > ?',
          [l.walletId, l.txid, l.vout, now],
        );
        if (live) return false;
      }
      // Expired leases on these outpoints are replaced.
      await tx.runMany(
        'INSERT OR REPLACE INTO output_leases (wallet_id, txid, vout, expires_at, reason) VALUES (?, ?, ?, ?, ?)',
        leases.map((l) => [l.walletId, l.txid, l.vout, l.expiresAt, l.reason]),
      );
      return true;
    });
  }

  async listLeases(walletId: string, now: number): Promise<OutputLease[]> {
    const rows = await this.db.all<LeaseRow>(
      'SELECT * FROM output_leases WHERE wallet_id = ? AND expires_at > ? ORDER BY txid, vout',
      [walletId, now],
    );
    return rows.map(toLease);
  }

  /** Filters combine (outpoints AND reason); with neither, every lease of the wallet goes. */
  async releaseLeases(walletId: string, which: { outpoints?: string[]; reason?: string }): Promise<number> {
    const reason = which.reason === undefined ? '' : ' AND reason = ?';
    const reasonParam = which.reason === undefined ? [] : [which.reason];
    if (which.outpoints === undefined) {
      const r = await this.db.run(`DELETE FROM output_leases WHERE wallet_id = ?${reason}`, [walletId, ...reasonParam]);
      return r.changes;
    }
    const ops = which.outpoints.map(parseOutpoint);
    return this.db.transaction((tx) =>
      tx.runMany(
        `DELETE FROM output_leases WHERE wallet_id = ? AND txid = ? AND vout = ?${reason}`,
        ops.map((o) => [walletId, o.txid, o.vout, ...reasonParam]),
      ),
    );
  }

  async getIdempotent(walletId: string, key: string): Promise<{ txid: string; requestHash: string } | null> {
    const row = await this.db.get<{ txid: string; request_hash: string }>(
      'SELECT txid, request_hash FROM idempotency WHERE wallet_id = ? AND key = ?',
      [walletId, key],
    );
    return row ? { txid: row.txid, requestHash: row.request_hash } : null;
  }

  async putIdempotent(walletId: string, key: string, txid: string, requestHash: string): Promise<void> {
    await this.db.run(
      `INSERT INTO idempotency (wallet_id, key, txid, request_hash, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (wallet_id, key) DO UPDATE SET txid = excluded.txid, request_hash = excluded.request_hash`,
      [walletId, key, txid, requestHash, Date.now()],
    );
  }
}

async function upsertSyncPoint(tx: TxHandle, walletId: string, p: BlockRef): Promise<void> {
  await tx.run(
    `INSERT INTO sync_points (wallet_id, height, hash) VALUES (?, ?, ?)
      ON CONFLICT (wallet_id) DO UPDATE SET height = excluded.height, hash = excluded.hash`,
    [walletId, p.height, p.hash],
  );
}
