/**
 * `WalletStore` over the SQLCipher keystore: wallets, addresses, leases and idempotency keys,
 * plus the ledger's reads (SqlLedgerStore). Every write is one transaction; bulk rows go
 * through one prepared statement inside it (STYLE.md "Pitfalls": 20–40× faster).
 */
import { fail } from '../errors.ts';
import type { WalletStore } from '../wallet/ports.ts';
import type { AddressRecord, ChainIndex, OutputLease, WalletRecord } from '../wallet/types.ts';
import { SqlLabelStore } from './sql-label-store.ts';
import {
  INSERT_ADDRESS,
  addressParams,
  toAddress,
  toLease,
  toWallet,
  type AddressRow,
  type LeaseRow,
  type WalletRow,
} from './wallet-rows.ts';

/** Splits `txid:vout`. */
function parseOutpoint(op: string): { txid: string; vout: number } {
  const i = op.lastIndexOf(':');
  const vout = Number(op.slice(i + 1));
  if (i <= 0 || !Number.isInteger(vout) || vout < 0) fail('INVALID_PARAMS', `invalid outpoint ${op}`);
  return { txid: op.slice(0, i), vout };
}

/** The wallet core's persistence, over the keystore. */
export class SqlWalletStore extends SqlLabelStore implements WalletStore {
  async insertWallet(wallet: WalletRecord, addresses: AddressRecord[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO wallets (id, name, network, address_type, account_xpub, master_fingerprint,
          sealed_seed, has_passphrase, created_at, birth_height, lookahead) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          wallet.id, wallet.name, wallet.network, wallet.addressType, wallet.accountXpub,
          wallet.masterFingerprint, wallet.sealedSeed, wallet.hasPassphrase ? 1 : 0,
          wallet.createdAt, wallet.birthHeight, wallet.lookahead,
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

  async lowerBirthHeight(id: string, height: number): Promise<void> {
    await this.db.run('UPDATE wallets SET birth_height = ? WHERE id = ? AND birth_height > ?', [height, id, height]);
  }

  async listAddresses(walletId: string): Promise<AddressRecord[]> {
    const rows = await this.db.all<AddressRow>('SELECT * FROM addresses WHERE wallet_id = ? ORDER BY chain, idx', [
      walletId,
    ]);
    return rows.map(toAddress);
  }

  async listScripts(walletId: string): Promise<string[]> {
    const rows = await this.db.all<{ script: string }>('SELECT script FROM addresses WHERE wallet_id = ?', [walletId]);
    return rows.map((r) => r.script);
  }

  async findAddress(walletId: string, address: string): Promise<AddressRecord | null> {
    const row = await this.db.get<AddressRow>('SELECT * FROM addresses WHERE wallet_id = ? AND address = ?', [walletId, address]);
    return row ? toAddress(row) : null;
  }

  async nextFreeAddress(walletId: string, chain: ChainIndex): Promise<AddressRecord | null> {
    const row = await this.db.get<AddressRow>(
      'SELECT * FROM addresses WHERE wallet_id = ? AND chain = ? AND issued = 0 AND used = 0 ORDER BY idx LIMIT 1',
      [walletId, chain],
    );
    return row ? toAddress(row) : null;
  }

  async addressCounts(walletId: string): Promise<Record<ChainIndex, number>> {
    const rows = await this.db.all<{ chain: ChainIndex; n: number }>(
      'SELECT chain, COUNT(*) AS n FROM addresses WHERE wallet_id = ? GROUP BY chain',
      [walletId],
    );
    const counts: Record<ChainIndex, number> = { 0: 0, 1: 0 };
    for (const r of rows) counts[r.chain] = r.n;
    return counts;
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
