/**
 * The ledger's transaction handle over SQL: every read and write of one chain event, inside the
 * keystore transaction that commits it. Lists travel as one JSON parameter (`json_each`), so
 * each statement is prepared once whatever the count.
 */
import type { AddressHighWater, LedgerTxn } from '../wallet/ledger/ledger-store.ts';
import type { LedgerCoin, LedgerTx, Outpoint, SpendRecord } from '../wallet/ledger/ledger-types.ts';
import type { AddressRecord, BlockRef, TxStatus } from '../wallet/types.ts';
import type { TxHandle } from './database.ts';
import {
  INSERT_COIN, PUT_TX, UPDATE_COIN, coinParams, coinStateParams, outpointsJson, toLedgerCoin, toLedgerTx, txParams,
  type LedgerCoinRow, type LedgerTxRow,
} from './ledger-rows.ts';
import { INSERT_ADDRESS, addressParams, toAddress, type AddressRow } from './wallet-rows.ts';

/** Rows of `ledger_coins` whose outpoints are in the JSON list bound as the second parameter. */
export const COINS_BY_OUTPOINT = `SELECT c.* FROM json_each(?2) j CROSS JOIN ledger_coins c
  WHERE c.wallet_id = ?1 AND c.txid = json_extract(j.value, '$[0]') AND c.vout = json_extract(j.value, '$[1]')`;
/** Rows of `ledger_coins` created by the txids in the JSON list. */
export const COINS_OF = `SELECT c.* FROM json_each(?2) j CROSS JOIN ledger_coins c WHERE c.wallet_id = ?1 AND c.txid = j.value`;
/** Spend records of the outpoints in the JSON list. */
export const SPENDERS_OF = `SELECT s.prev_txid, s.prev_vout, s.spender FROM json_each(?2) j CROSS JOIN ledger_spends s
  WHERE s.wallet_id = ?1 AND s.prev_txid = json_extract(j.value, '$[0]') AND s.prev_vout = json_extract(j.value, '$[1]')`;
/** Spend records made by the txids in the JSON list. */
export const INPUTS_OF = `SELECT s.prev_txid, s.prev_vout, s.spender FROM json_each(?2) j CROSS JOIN ledger_spends s
  WHERE s.wallet_id = ?1 AND s.spender = j.value`;
/** Ledger transactions with the txids in the JSON list. */
const TXS_BY_ID = `SELECT t.* FROM json_each(?2) j CROSS JOIN ledger_txs t WHERE t.wallet_id = ?1 AND t.txid = j.value`;

interface SpendRow {
  prev_txid: string;
  prev_vout: number;
  spender: string;
}

/** Maps spend rows to records. */
export const toSpend = (r: SpendRow): SpendRecord => ({ outpoint: `${r.prev_txid}:${r.prev_vout}`, spender: r.spender });

/** A LedgerTxn bound to one wallet and one open keystore transaction. */
export class SqlLedgerTxn implements LedgerTxn {
  constructor(
    readonly walletId: string,
    private readonly tx: TxHandle,
  ) {}

  async getTxs(txids: readonly string[]): Promise<Map<string, LedgerTx>> {
    if (txids.length === 0) return new Map();
    const rows = await this.tx.all<LedgerTxRow>(TXS_BY_ID, [this.walletId, JSON.stringify(txids)]);
    return new Map(rows.map((r) => [r.txid, toLedgerTx(r)]));
  }

  async putTx(t: LedgerTx): Promise<void> {
    await this.tx.run(PUT_TX, txParams(t));
  }

  async setTxStatus(txid: string, status: TxStatus, links: { replacedBy?: string | null; conflictedBy?: string | null }): Promise<void> {
    await this.tx.run(
      `UPDATE ledger_txs SET status = ?, replaced_by = COALESCE(?, replaced_by), conflicted_by = COALESCE(?, conflicted_by)
        WHERE wallet_id = ? AND txid = ?`,
      [status, links.replacedBy ?? null, links.conflictedBy ?? null, this.walletId, txid],
    );
  }

  async deleteTx(txid: string): Promise<void> {
    await this.tx.run('DELETE FROM ledger_coins WHERE wallet_id = ? AND txid = ?', [this.walletId, txid]);
    await this.tx.run('DELETE FROM ledger_spends WHERE wallet_id = ? AND spender = ?', [this.walletId, txid]);
    await this.tx.run('DELETE FROM ledger_txs WHERE wallet_id = ? AND txid = ?', [this.walletId, txid]);
  }

  async getCoins(outpoints: readonly Outpoint[]): Promise<Map<Outpoint, LedgerCoin>> {
    if (outpoints.length === 0) return new Map();
    const rows = await this.tx.all<LedgerCoinRow>(COINS_BY_OUTPOINT, [this.walletId, outpointsJson(outpoints)]);
    return new Map(rows.map((r) => [`${r.txid}:${r.vout}`, toLedgerCoin(r)]));
  }

  async coinsOf(txids: readonly string[]): Promise<LedgerCoin[]> {
    if (txids.length === 0) return [];
    return (await this.tx.all<LedgerCoinRow>(COINS_OF, [this.walletId, JSON.stringify(txids)])).map(toLedgerCoin);
  }

  async insertCoins(coins: readonly LedgerCoin[]): Promise<void> {
    await this.tx.runMany(INSERT_COIN, coins.map(coinParams));
  }

  async updateCoins(coins: readonly LedgerCoin[]): Promise<void> {
    await this.tx.runMany(UPDATE_COIN, coins.map(coinStateParams));
  }

  async addSpends(spends: readonly SpendRecord[]): Promise<void> {
    await this.tx.runMany(
      'INSERT OR IGNORE INTO ledger_spends (wallet_id, prev_txid, prev_vout, spender) VALUES (?, ?, ?, ?)',
      spends.map((s) => {
        const at = s.outpoint.lastIndexOf(':');
        return [this.walletId, s.outpoint.slice(0, at), Number(s.outpoint.slice(at + 1)), s.spender];
      }),
    );
  }

  async spendersOf(outpoints: readonly Outpoint[]): Promise<SpendRecord[]> {
    if (outpoints.length === 0) return [];
    return (await this.tx.all<SpendRow>(SPENDERS_OF, [this.walletId, outpointsJson(outpoints)])).map(toSpend);
  }

  async inputsOf(txids: readonly string[]): Promise<SpendRecord[]> {
    if (txids.length === 0) return [];
    return (await this.tx.all<SpendRow>(INPUTS_OF, [this.walletId, JSON.stringify(txids)])).map(toSpend);
  }

  async txsAbove(height: number): Promise<LedgerTx[]> {
    const rows = await this.tx.all<LedgerTxRow>(
      'SELECT * FROM ledger_txs WHERE wallet_id = ? AND block_height IS NOT NULL AND block_height > ?',
      [this.walletId, height],
    );
    return rows.map(toLedgerTx);
  }

  conflictedBy(txids: readonly string[]): Promise<LedgerTx[]> {
    return this.knockedOutBy(txids, 'conflicted');
  }

  replacedBy(txids: readonly string[]): Promise<LedgerTx[]> {
    return this.knockedOutBy(txids, 'replaced');
  }

  /** Transactions in `status` whose conflicted_by / replaced_by is one of `txids`. */
  private async knockedOutBy(txids: readonly string[], status: 'conflicted' | 'replaced'): Promise<LedgerTx[]> {
    if (txids.length === 0) return [];
    const column = status === 'conflicted' ? 'conflicted_by' : 'replaced_by';
    const rows = await this.tx.all<LedgerTxRow>(
      `SELECT t.* FROM json_each(?2) j CROSS JOIN ledger_txs t WHERE t.wallet_id = ?1 AND t.${column} = j.value
        AND t.status = ?3`,
      [this.walletId, JSON.stringify(txids), status],
    );
    return rows.map(toLedgerTx);
  }

  async maturityCandidates(height: number): Promise<LedgerCoin[]> {
    // Two index walks (bucket; coinbase height) rather than one OR that would scan every coinbase.
    const rows = await this.tx.all<LedgerCoinRow>(
      `SELECT * FROM ledger_coins WHERE wallet_id = ?1 AND bucket = 'immature'
        UNION SELECT * FROM ledger_coins WHERE wallet_id = ?1 AND coinbase = 1 AND block_height >= ?2`,
      [this.walletId, height],
    );
    return rows.map(toLedgerCoin);
  }

  async addressesByScript(scripts: readonly string[]): Promise<Map<string, AddressRecord>> {
    if (scripts.length === 0) return new Map();
    const rows = await this.tx.all<AddressRow>(
      'SELECT a.* FROM json_each(?2) j CROSS JOIN addresses a WHERE a.wallet_id = ?1 AND a.script = j.value',
      [this.walletId, JSON.stringify(scripts)],
    );
    return new Map(rows.map((r) => [r.script, toAddress(r)]));
  }

  async markUsed(scripts: readonly string[]): Promise<void> {
    if (scripts.length === 0) return;
    await this.tx.run(
      'UPDATE addresses SET used = 1 WHERE wallet_id = ?1 AND used = 0 AND script IN (SELECT value FROM json_each(?2))',
      [this.walletId, JSON.stringify(scripts)],
    );
  }

  async insertAddresses(rows: readonly AddressRecord[]): Promise<void> {
    await this.tx.runMany(INSERT_ADDRESS, rows.map(addressParams));
  }

  async addressHighWater(): Promise<AddressHighWater> {
    const rows = await this.tx.all<{ chain: 0 | 1; derived: number; touched: number | null }>(
      `SELECT chain, MAX(idx) AS derived, MAX(CASE WHEN issued = 1 OR used = 1 THEN idx END) AS touched
        FROM addresses WHERE wallet_id = ? GROUP BY chain`,
      [this.walletId],
    );
    const hw: AddressHighWater = { 0: { derived: -1, touched: -1 }, 1: { derived: -1, touched: -1 } };
    for (const r of rows) hw[r.chain] = { derived: r.derived, touched: r.touched ?? -1 };
    return hw;
  }

  async putBlocks(blocks: readonly BlockRef[]): Promise<void> {
    await this.tx.runMany(
      'INSERT OR REPLACE INTO wallet_blocks (wallet_id, height, hash) VALUES (?, ?, ?)',
      blocks.map((b) => [this.walletId, b.height, b.hash]),
    );
  }

  async deleteBlocksAbove(height: number): Promise<void> {
    await this.tx.run('DELETE FROM wallet_blocks WHERE wallet_id = ? AND height > ?', [this.walletId, height]);
  }

  async setSyncPoint(p: BlockRef): Promise<void> {
    await this.tx.run(
      `INSERT INTO sync_points (wallet_id, height, hash) VALUES (?, ?, ?)
        ON CONFLICT (wallet_id) DO UPDATE SET height = excluded.height, hash = excluded.hash`,
      [this.walletId, p.height, p.hash],
    );
  }
}
