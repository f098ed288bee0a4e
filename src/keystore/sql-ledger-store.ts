/**
 * The ledger's indexed reads over SQL, and `transact`, which opens one keystore transaction per
 * chain event. A balance is one row of `ledger_totals`; coin lists and history are index scans
 * bounded by their page size, whatever the wallet's size.
 */
import { fail } from '../errors.ts';
import type { LedgerStore, LedgerTxn, PageBudget, TxPage } from '../wallet/ledger/ledger-store.ts';
import type { BucketTotals, CoinBucket, LedgerCoin, LedgerTx, Outpoint, SpendRecord } from '../wallet/ledger/ledger-types.ts';
import type { BlockRef } from '../wallet/types.ts';
import type { Database, SqlParams } from './database.ts';
import { outpointsJson, toLedgerCoin, toLedgerTx, type LedgerCoinRow, type LedgerTxRow } from './ledger-rows.ts';
import { allByOutpoint, chunks } from './paged-read.ts';
import { COINS_BY_OUTPOINT, COINS_OF, INPUTS_OF, SqlLedgerTxn, toSpend } from './sql-ledger-txn.ts';
import { MEMPOOL_HEIGHT, SORT_HEIGHT } from './wallet-rows.ts';

interface TotalsRow {
  confirmed: number;
  immature: number;
  trusted_pending: number;
  untrusted_pending: number;
}

const ZERO: BucketTotals = { confirmed: 0n, immature: 0n, trustedPending: 0n, untrustedPending: 0n };

const toTotals = (r: TotalsRow | undefined): BucketTotals =>
  r ? {
    confirmed: BigInt(r.confirmed), immature: BigInt(r.immature),
    trustedPending: BigInt(r.trusted_pending), untrustedPending: BigInt(r.untrusted_pending),
  } : ZERO;

/** History cursor: the sort key of the last row of a page, opaque to clients. */
type Cursor = [sortHeight: number, firstSeen: number, txid: string];

function encodeCursor(tx: LedgerTx): string {
  const c: Cursor = [tx.blockHeight ?? MEMPOOL_HEIGHT, tx.firstSeen, tx.txid];
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const c: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (Array.isArray(c) && c.length === 3 && Number.isInteger(c[0]) && Number.isInteger(c[1]) && typeof c[2] === 'string') {
      return c as Cursor;
    }
  } catch {
    // fall through to the error below
  }
  return fail('INVALID_PARAMS', 'invalid cursor', { field: 'cursor' });
}

/** Placeholders and parameters for a bucket list (a handful of constants, so the SQL stays cacheable). */
function bucketList(buckets: readonly CoinBucket[]): { sql: string; params: string[] } {
  return { sql: buckets.map(() => '?').join(', '), params: [...buckets] };
}

/** LedgerStore over the keystore. */
export class SqlLedgerStore implements LedgerStore {
  constructor(protected readonly db: Database) {}

  transact<T>(walletId: string, fn: (txn: LedgerTxn) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new SqlLedgerTxn(walletId, tx)));
  }

  async totals(walletId: string): Promise<BucketTotals> {
    return toTotals(await this.db.get<TotalsRow>('SELECT * FROM ledger_totals WHERE wallet_id = ?', [walletId]));
  }

  async addressTotals(walletId: string, address: string): Promise<BucketTotals> {
    const rows = await this.db.all<{ bucket: CoinBucket; total: number }>(
      `SELECT bucket, SUM(value) AS total FROM ledger_coins WHERE wallet_id = ? AND address = ?
        AND bucket IN ('confirmed', 'immature', 'trusted_pending', 'untrusted_pending') GROUP BY bucket`,
      [walletId, address],
    );
    const by = new Map(rows.map((r) => [r.bucket, BigInt(r.total)]));
    return {
      confirmed: by.get('confirmed') ?? 0n, immature: by.get('immature') ?? 0n,
      trustedPending: by.get('trusted_pending') ?? 0n, untrustedPending: by.get('untrusted_pending') ?? 0n,
    };
  }

  async leasedValue(walletId: string, buckets: readonly CoinBucket[], now: number, address?: string): Promise<bigint> {
    const b = bucketList(buckets);
    const row = await this.db.get<{ total: number | null }>(
      // CROSS JOIN keeps the (few) leases as the outer loop: the planner would otherwise walk
      // every coin of the bucket index and probe the leases, linear in the wallet's size.
      `SELECT SUM(c.value) AS total FROM output_leases l CROSS JOIN ledger_coins c
        ON c.wallet_id = l.wallet_id AND c.txid = l.txid AND c.vout = l.vout
        WHERE l.wallet_id = ? AND l.expires_at > ? AND c.bucket IN (${b.sql}) AND (? IS NULL OR c.address = ?)`,
      [walletId, now, ...b.params, address ?? null, address ?? null],
    );
    return BigInt(row?.total ?? 0);
  }

  async listCoins(walletId: string, opts: { buckets: readonly CoinBucket[]; limit: number; after?: Outpoint; maxHeight?: number }): Promise<LedgerCoin[]> {
    const b = bucketList(opts.buckets);
    const at = opts.after?.lastIndexOf(':') ?? -1;
    const after: [string, number] = opts.after ? [opts.after.slice(0, at), Number(opts.after.slice(at + 1))] : ['', -1];
    const rows = await allByOutpoint<LedgerCoinRow>(
      this.db,
      `SELECT * FROM ledger_coins WHERE wallet_id = ? AND bucket IN (${b.sql}) AND (? IS NULL OR block_height <= ?)
        AND (txid, vout) > (?, ?) ORDER BY txid, vout LIMIT ?`,
      [walletId, ...b.params, opts.maxHeight ?? null, opts.maxHeight ?? null],
      opts.limit,
      after,
    );
    return rows.map(toLedgerCoin);
  }

  async selectionCandidates(
    walletId: string,
    opts: { buckets: readonly CoinBucket[]; target: bigint; now: number; limit: number },
  ): Promise<LedgerCoin[]> {
    const b = bucketList(opts.buckets);
    const unleased = `NOT EXISTS (SELECT 1 FROM output_leases l WHERE l.wallet_id = c.wallet_id AND l.txid = c.txid
      AND l.vout = c.vout AND l.expires_at > ?)`;
    const half = Math.max(1, Math.floor(opts.limit / 2));
    // The largest coins reach any amount in few inputs; those just above the target allow a
    // changeless or one-input match. Both walk the (wallet, bucket, value) index.
    const [largest, nearest] = await Promise.all([
      this.db.all<LedgerCoinRow>(
        `SELECT * FROM ledger_coins c WHERE wallet_id = ? AND bucket IN (${b.sql}) AND ${unleased} ORDER BY value DESC LIMIT ?`,
        [walletId, ...b.params, opts.now, half],
      ),
      this.db.all<LedgerCoinRow>(
        `SELECT * FROM ledger_coins c WHERE wallet_id = ? AND bucket IN (${b.sql}) AND value >= ? AND ${unleased} ORDER BY value LIMIT ?`,
        [walletId, ...b.params, opts.target, opts.now, half],
      ),
    ]);
    const seen = new Set<string>();
    return [...largest, ...nearest].filter((r) => !seen.has(`${r.txid}:${r.vout}`) && seen.add(`${r.txid}:${r.vout}`)).map(toLedgerCoin);
  }

  async getCoins(walletId: string, outpoints: readonly Outpoint[]): Promise<Map<Outpoint, LedgerCoin>> {
    if (outpoints.length === 0) return new Map();
    const rows = await this.db.all<LedgerCoinRow>(COINS_BY_OUTPOINT, [walletId, outpointsJson(outpoints)]);
    return new Map(rows.map((r) => [`${r.txid}:${r.vout}`, toLedgerCoin(r)]));
  }

  async coinsOf(walletId: string, txids: readonly string[]): Promise<LedgerCoin[]> {
    const out: LedgerCoin[] = [];
    // A tx can pay the wallet a thousand outputs: a few txids per read bounds its native result set.
    for (const part of chunks(txids, 4)) {
      for (const r of await this.db.all<LedgerCoinRow>(COINS_OF, [walletId, JSON.stringify(part)])) out.push(toLedgerCoin(r));
    }
    return out;
  }

  async inputsOf(walletId: string, txids: readonly string[]): Promise<SpendRecord[]> {
    if (txids.length === 0) return [];
    return (await this.db.all<{ prev_txid: string; prev_vout: number; spender: string }>(INPUTS_OF, [walletId, JSON.stringify(txids)])).map(toSpend);
  }

  async getTx(walletId: string, txid: string): Promise<LedgerTx | null> {
    const row = await this.db.get<LedgerTxRow>('SELECT * FROM ledger_txs WHERE wallet_id = ? AND txid = ?', [walletId, txid]);
    return row ? toLedgerTx(row) : null;
  }

  /** Unconfirmed first, then by block height, then by first sighting, all newest first. */
  async listTxs(walletId: string, opts: { limit: number; before?: string; budget?: PageBudget }): Promise<TxPage> {
    const limit = Math.max(1, Math.trunc(opts.limit));
    const params: SqlParams = opts.before === undefined ? [walletId, limit + 1] : [walletId, ...decodeCursor(opts.before), limit + 1];
    const where = opts.before === undefined ? '' : `AND (${SORT_HEIGHT}, first_seen, txid) < (?, ?, ?)`;
    const rows = await this.db.all<LedgerTxRow>(
      `SELECT * FROM ledger_txs WHERE wallet_id = ? ${where} ORDER BY ${SORT_HEIGHT} DESC, first_seen DESC, txid DESC LIMIT ?`,
      params,
    );
    const txs = rows.slice(0, limit).map(toLedgerTx);
    const kept = opts.budget ? withinBudget(txs, opts.budget) : txs;
    const last = kept[kept.length - 1];
    return { txs: kept, next: (rows.length > limit || kept.length < txs.length) && last ? encodeCursor(last) : null };
  }

  async countTxs(walletId: string): Promise<number> {
    return (await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_txs WHERE wallet_id = ?', [walletId]))?.n ?? 0;
  }

  async unconfirmedTxs(walletId: string): Promise<LedgerTx[]> {
    const rows = await this.db.all<LedgerTxRow>(
      `SELECT * FROM ledger_txs WHERE wallet_id = ? AND status IN ('broadcasting', 'pending') ORDER BY first_seen`,
      [walletId],
    );
    return rows.map(toLedgerTx);
  }

  async txsInHeights(walletId: string, from: number, to: number): Promise<LedgerTx[]> {
    const rows = await this.db.all<LedgerTxRow>(
      'SELECT * FROM ledger_txs WHERE wallet_id = ? AND block_height IS NOT NULL AND block_height BETWEEN ? AND ?',
      [walletId, from, to],
    );
    return rows.map(toLedgerTx);
  }

  async watchedOutpoints(walletId: string): Promise<Outpoint[]> {
    const rows = await allByOutpoint<{ txid: string; vout: number }>(
      this.db,
      `SELECT c.txid, c.vout FROM ledger_coins c WHERE c.wallet_id = ? AND c.bucket != 'dead'
        AND NOT EXISTS (SELECT 1 FROM ledger_txs s WHERE s.wallet_id = c.wallet_id AND s.txid = c.spent_by AND s.status = 'confirmed')
        AND (c.txid, c.vout) > (?, ?) ORDER BY c.txid, c.vout LIMIT ?`,
      [walletId],
    );
    return rows.map((r) => `${r.txid}:${r.vout}`);
  }

  async blocksUpTo(walletId: string, height: number): Promise<BlockRef[]> {
    return this.db.all<BlockRef>('SELECT height, hash FROM wallet_blocks WHERE wallet_id = ? AND height <= ? ORDER BY height', [
      walletId, height,
    ]);
  }

  async getSyncPoint(walletId: string): Promise<BlockRef | null> {
    const row = await this.db.get<BlockRef>('SELECT height, hash FROM sync_points WHERE wallet_id = ?', [walletId]);
    return row ? { height: row.height, hash: row.hash } : null;
  }
}

/** The leading txs whose weights add up to at most `budget.max`, and never fewer than one. */
function withinBudget(txs: LedgerTx[], budget: PageBudget): LedgerTx[] {
  let used = 0;
  for (let i = 0; i < txs.length; i++) {
    used += budget.weigh(txs[i]!);
    if (used > budget.max && i > 0) return txs.slice(0, i);
  }
  return txs;
}
