/**
 * The ledger's event handling over a real SQLCipher keystore, with real transactions built by
 * bitcoinjs-lib: every event leaves coins, statuses and the trigger-kept totals consistent.
 * (The same rules are judged against a real node's wallet in test/ledger.)
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/keystore/database.ts';
import { migrate } from '../../src/keystore/migrations.ts';
import { SqlWalletStore } from '../../src/keystore/sql-wallet-store.ts';
import { LedgerWriter, type SeenTx } from '../../src/wallet/ledger/ledger.ts';
import type { AddressRecord } from '../../src/wallet/types.ts';
import { rawKey, tempDir, walletRecord } from '../keystore/helpers.ts';
import { foreignOutpoint, tx } from './ledger-tx-fixtures.ts';

let dir: string;
let cleanup: () => void;
let db: Database;
let store: SqlWalletStore;
const W = 'w1';

/** Address rows with real P2WPKH scripts, so bitcoinjs-lib can pay them. */
const rows: AddressRecord[] = Array.from({ length: 6 }, (_, i) => ({
  walletId: W, chain: (i % 2) as 0 | 1, index: Math.floor(i / 2), address: `addr${i}`,
  script: `0014${randomBytes(20).toString('hex')}`, path: `m/84'/1'/0'/${i % 2}/${Math.floor(i / 2)}`,
  label: null, issued: false, used: false,
}));
const mine = (i: number) => Buffer.from(rows[i]!.script, 'hex');
const stranger = () => Buffer.from(`0014${randomBytes(20).toString('hex')}`, 'hex');


const pending = (t: { txid: string; hex: string }): SeenTx => ({ ...t, blockHeight: null, blockHash: null, blockTime: null });
const mined = (t: { txid: string; hex: string }, height: number): SeenTx => ({ ...t, blockHeight: height, blockHash: `h${height}`, blockTime: height });

async function apply(tip: number, fn: (w: LedgerWriter) => Promise<unknown>): Promise<void> {
  await store.transact(W, async (txn) => fn(new LedgerWriter(txn, tip, 1000)));
}

/** The trigger-kept totals must equal the coins summed by bucket. */
async function totalsMatchCoins(): Promise<void> {
  const sums = await db.all<{ bucket: string; total: number }>('SELECT bucket, SUM(value) AS total FROM ledger_coins WHERE wallet_id = ? GROUP BY bucket', [W]);
  const by = new Map(sums.map((r) => [r.bucket, BigInt(r.total)]));
  expect(await store.totals(W)).toEqual({
    confirmed: by.get('confirmed') ?? 0n, immature: by.get('immature') ?? 0n,
    trustedPending: by.get('trusted_pending') ?? 0n, untrustedPending: by.get('untrusted_pending') ?? 0n,
  });
}

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  db = await openDatabase({ path: join(dir, 'keystore.db'), key: rawKey() });
  await migrate(db);
  store = new SqlWalletStore(db);
  await store.insertWallet(walletRecord(), rows);
});
afterEach(async () => {
  await totalsMatchCoins();
  await db.close();
  cleanup();
});

describe('LedgerWriter', () => {
  it('a stranger\u2019s payment is untrusted pending, then confirmed when mined', async () => {
    const pay = tx([foreignOutpoint()], [[mine(0), 5000], [stranger(), 700]]);
    await apply(10, (w) => w.seen(pending(pay)));
    expect(await store.totals(W)).toMatchObject({ untrustedPending: 5000n, confirmed: 0n });
    await apply(11, (w) => w.seen(mined(pay, 11)));
    expect(await store.totals(W)).toMatchObject({ untrustedPending: 0n, confirmed: 5000n });
    expect((await store.getTx(W, pay.txid))?.status).toBe('confirmed');
    expect((await store.listAddresses(W)).find((a) => a.script === rows[0]!.script)?.used).toBe(true);
  });

  it('a coinbase stays immature until 101 confirmations (Core\u2019s rule), then matures', async () => {
    const cb = tx([], [[mine(0), 50_000]]);
    await apply(100, (w) => w.seen(mined(cb, 100)));
    expect(await store.totals(W)).toMatchObject({ immature: 50_000n, confirmed: 0n });
    await apply(199, (w) => w.setTip(199)); // 100 confirmations
    expect(await store.totals(W)).toMatchObject({ immature: 50_000n, confirmed: 0n });
    await apply(200, (w) => w.setTip(200)); // 101 confirmations
    expect(await store.totals(W)).toMatchObject({ immature: 0n, confirmed: 50_000n });
  });

  it('a tip that jumps many blocks in one pass matures every coinbase it passed', async () => {
    const cb = tx([], [[mine(0), 50_000]]);
    await apply(100, (w) => w.seen(mined(cb, 100)));
    // One sync pass from tip 150 to tip 260: the writer only ever sees the new tip.
    await apply(260, (w) => w.setTip(260));
    expect(await store.totals(W)).toMatchObject({ immature: 0n, confirmed: 50_000n });
  });

  it('an own spend: the input is spent, the change is trusted pending', async () => {
    const fund = tx([foreignOutpoint()], [[mine(0), 10_000]]);
    await apply(5, (w) => w.seen(mined(fund, 5)));
    const spend = tx([`${fund.txid}:0`], [[stranger(), 6000], [mine(1), 3800]]);
    await apply(5, (w) => w.seen(pending(spend)));
    expect(await store.totals(W)).toMatchObject({ confirmed: 0n, trustedPending: 3800n, untrustedPending: 0n });
    const [coin] = (await store.getCoins(W, [`${fund.txid}:0`])).values();
    expect(coin).toMatchObject({ bucket: 'spent', spentBy: spend.txid });
  });

  it('a mempool replacement marks the original replaced and returns nothing twice', async () => {
    const fund = tx([foreignOutpoint()], [[mine(0), 10_000]]);
    await apply(5, (w) => w.seen(mined(fund, 5)));
    const first = tx([`${fund.txid}:0`], [[stranger(), 6000], [mine(1), 3800]]);
    const bump = tx([`${fund.txid}:0`], [[stranger(), 6000], [mine(2), 3000]]);
    await apply(5, (w) => w.seen(pending(first)));
    await apply(5, (w) => w.seen(pending(bump)));
    expect(await store.getTx(W, first.txid)).toMatchObject({ status: 'replaced', replacedBy: bump.txid });
    expect(await store.totals(W)).toMatchObject({ trustedPending: 3000n, confirmed: 0n });
  });

  it('a confirmed double-spend of a payment\u2019s foreign input conflicts it and its descendants', async () => {
    const theirs = foreignOutpoint();
    const pay = tx([theirs], [[mine(0), 8000]]);
    await apply(5, (w) => w.seen(pending(pay)));
    const onward = tx([`${pay.txid}:0`], [[stranger(), 5000], [mine(1), 2500]]);
    await apply(5, (w) => w.seen(pending(onward)));
    const rival = tx([theirs], [[stranger(), 7900]]);
    await apply(6, async (w) => expect(await w.seen(mined(rival, 6))).toBe(false));
    expect(await store.getTx(W, pay.txid)).toMatchObject({ status: 'conflicted', conflictedBy: rival.txid });
    expect(await store.getTx(W, onward.txid)).toMatchObject({ status: 'conflicted', conflictedBy: rival.txid });
    expect(await store.totals(W)).toEqual({ confirmed: 0n, immature: 0n, trustedPending: 0n, untrustedPending: 0n });
  });

  it('a disconnect turns mined txs pending, orphans coinbases, and undoes conflicts they caused', async () => {
    const theirs = foreignOutpoint();
    const pay = tx([theirs], [[mine(0), 8000]]);
    const cb = tx([], [[mine(1), 50_000]]);
    await apply(20, async (w) => {
      await w.seen(pending(pay));
      await w.seen(mined(cb, 20));
    });
    const rival = tx([theirs], [[mine(2), 7000]]);
    await apply(21, (w) => w.seen(mined(rival, 21)));
    expect((await store.getTx(W, pay.txid))?.status).toBe('conflicted');
    await apply(21, (w) => w.disconnectAbove(19));
    expect(await store.getTx(W, cb.txid)).toMatchObject({ status: 'conflicted', blockHeight: null });
    expect(await store.getTx(W, rival.txid)).toMatchObject({ status: 'pending', blockHeight: null });
    // The payment's conflict is gone with its block; the mempool decides again.
    expect(await store.getTx(W, pay.txid)).toMatchObject({ status: 'pending', conflictedBy: null });
    expect(await store.totals(W)).toMatchObject({ immature: 0n, confirmed: 0n });
    // Mined again, the coinbase comes back.
    await apply(20, (w) => w.seen(mined(cb, 20)));
    expect(await store.totals(W)).toMatchObject({ immature: 50_000n });
  });

  it('a coinbase mined again after a disconnect names the spends that died with it as revivable, and they stay conflicted until the node takes them', async () => {
    // Seen in the differential (seed 1597356284): a reorg disconnected the block of a mature
    // coinbase that the next scan found again, yet its spend stayed conflicted for good. Core
    // keeps such a spend abandoned until the network shows it again, so the follower rebroadcasts
    // it, and only what the node accepts comes back (seen in the mempool).
    const cb = tx([], [[mine(1), 50_000]]);
    await apply(20, (w) => w.seen(mined(cb, 20)));
    const spend = tx([`${cb.txid}:0`], [[stranger(), 30_000], [mine(3), 19_000]]);
    await apply(130, (w) => w.seen(pending(spend)));
    await apply(130, (w) => w.disconnectAbove(19));
    expect(await store.getTx(W, spend.txid)).toMatchObject({ status: 'conflicted', conflictedBy: cb.txid });
    let revivable: string[] = [];
    await store.transact(W, async (txn) => {
      const w = new LedgerWriter(txn, 130, 1000);
      await w.seen(mined(cb, 20));
      revivable = w.changes.revivable;
    });
    expect(revivable).toEqual([spend.txid]);
    expect(await store.getTx(W, spend.txid)).toMatchObject({ status: 'conflicted' });
    expect(await store.totals(W)).toMatchObject({ confirmed: 50_000n, trustedPending: 0n });
    // The node took it back: seen in the mempool, it spends the coinbase again.
    await apply(130, (w) => w.seen(pending(spend)));
    expect(await store.getTx(W, spend.txid)).toMatchObject({ status: 'pending', conflictedBy: null });
    expect((await store.getCoins(W, [`${cb.txid}:0`])).get(`${cb.txid}:0`)?.spentBy).toBe(spend.txid);
    expect(await store.totals(W)).toMatchObject({ confirmed: 0n, trustedPending: 19_000n });
  });

  it('a tx conflicted by a rival keeps that conflict when the rival is seen again', async () => {
    const theirs = foreignOutpoint();
    const pay = tx([theirs], [[mine(0), 8000]]);
    await apply(20, (w) => w.seen(pending(pay)));
    const rival = tx([theirs], [[mine(2), 7000]]);
    await apply(21, (w) => w.seen(mined(rival, 21)));
    await apply(22, (w) => w.seen(mined(rival, 21)));
    expect(await store.getTx(W, pay.txid)).toMatchObject({ status: 'conflicted', conflictedBy: rival.txid });
  });

  it('forgets a refused broadcast and returns its coins', async () => {
    const fund = tx([foreignOutpoint()], [[mine(0), 10_000]]);
    await apply(5, (w) => w.seen(mined(fund, 5)));
    const spend = tx([`${fund.txid}:0`], [[stranger(), 9000]]);
    await apply(5, (w) => w.seen(pending(spend), { status: 'broadcasting' }));
    expect(await store.totals(W)).toMatchObject({ confirmed: 0n });
    await apply(5, (w) => w.forget(spend.txid));
    expect(await store.getTx(W, spend.txid)).toBeNull();
    expect(await store.totals(W)).toMatchObject({ confirmed: 10_000n });
  });

  it('a refused replacement gives the original back its pending status and its change', async () => {
    const fund = tx([foreignOutpoint()], [[mine(0), 10_000]]);
    await apply(5, (w) => w.seen(mined(fund, 5)));
    const original = tx([`${fund.txid}:0`], [[stranger(), 6000], [mine(1), 3800]]);
    await apply(5, (w) => w.seen(pending(original)));
    const cancel = tx([`${fund.txid}:0`], [[mine(2), 9500]]);
    await apply(5, (w) => w.seen(pending(cancel), { status: 'broadcasting' }));
    expect((await store.getTx(W, original.txid))?.status).toBe('replaced');
    await apply(5, (w) => w.forget(cancel.txid));
    expect(await store.getTx(W, original.txid)).toMatchObject({ status: 'pending', replacedBy: null });
    expect(await store.totals(W)).toMatchObject({ trustedPending: 3800n, confirmed: 0n });
  });

  it('pages coins by outpoint, and bounds mined ones by height in the index', async () => {
    const txs = Array.from({ length: 5 }, (_, i) => tx([foreignOutpoint()], [[mine(0), 1000 + i]]));
    await apply(30, async (w) => {
      for (const [i, t] of txs.entries()) await w.seen(i < 4 ? mined(t, 26 + i) : pending(t));
    });
    const all = await store.listCoins(W, { buckets: ['confirmed', 'untrusted_pending'], limit: 100 });
    expect(all).toHaveLength(5);
    const first = await store.listCoins(W, { buckets: ['confirmed', 'untrusted_pending'], limit: 2 });
    const rest = await store.listCoins(W, { buckets: ['confirmed', 'untrusted_pending'], limit: 100, after: `${first[1]!.txid}:${first[1]!.vout}` });
    expect([...first, ...rest].map((c) => c.txid)).toEqual(all.map((c) => c.txid));
    // Two confirmations or more at tip 30: mined at height 29 or below.
    const deep = await store.listCoins(W, { buckets: ['confirmed'], limit: 100, maxHeight: 29 });
    expect(deep.map((c) => c.blockHeight).sort()).toEqual([26, 27, 28, 29]);
    expect(await store.listCoins(W, { buckets: ['confirmed'], limit: 100, maxHeight: 27 })).toHaveLength(2);
  });

  it('a pending tx the node will not hold stays pending, its outputs uncounted until it is relayed again', async () => {
    const pay = tx([foreignOutpoint()], [[mine(0), 7000]]);
    await apply(5, (w) => w.seen(pending(pay)));
    const stored = (await store.getTx(W, pay.txid))!;
    await apply(5, (w) => w.setRelayed(stored, false));
    expect(await store.getTx(W, pay.txid)).toMatchObject({ status: 'pending', relayed: false });
    expect(await store.totals(W)).toMatchObject({ untrustedPending: 0n });
    await apply(5, (w) => w.seen(pending(pay)));
    expect(await store.getTx(W, pay.txid)).toMatchObject({ status: 'pending', relayed: true });
    expect(await store.totals(W)).toMatchObject({ untrustedPending: 7000n });
  });

  it('trust follows the parents: a reorg that un-confirms a stranger’s payment makes own spends of it untrusted, and mining it again restores them', async () => {
    const fund = tx([foreignOutpoint()], [[mine(0), 10_000]]);
    await apply(5, (w) => w.seen(mined(fund, 5)));
    const spend = tx([`${fund.txid}:0`], [[stranger(), 6000], [mine(1), 3800]]);
    await apply(5, (w) => w.seen(pending(spend)));
    const grandchild = tx([`${spend.txid}:1`], [[mine(2), 3500]]);
    await apply(5, (w) => w.seen(pending(grandchild)));
    expect(await store.totals(W)).toMatchObject({ trustedPending: 3500n, untrustedPending: 0n });
    // Core's IsTrusted: a parent at depth 0 that is not from the wallet is not trusted, nor is anything below it.
    await apply(4, (w) => w.disconnectAbove(4));
    expect(await store.totals(W)).toMatchObject({ trustedPending: 0n, untrustedPending: 3500n });
    expect(await store.getTx(W, grandchild.txid)).toMatchObject({ status: 'pending', trusted: false });
    await apply(5, (w) => w.seen(mined(fund, 5)));
    expect(await store.totals(W)).toMatchObject({ trustedPending: 3500n, untrustedPending: 0n });
    expect(await store.getTx(W, spend.txid)).toMatchObject({ trusted: true });
  });

  it('an own tx whose parent left the mempool is no longer trusted', async () => {
    const fund = tx([foreignOutpoint()], [[mine(0), 10_000]]);
    await apply(5, (w) => w.seen(mined(fund, 5)));
    const spend = tx([`${fund.txid}:0`], [[stranger(), 6000], [mine(1), 3800]]);
    await apply(5, (w) => w.seen(pending(spend)));
    const child = tx([`${spend.txid}:1`], [[mine(2), 3500]]);
    await apply(5, (w) => w.seen(pending(child)));
    const stored = (await store.getTx(W, spend.txid))!;
    await apply(5, (w) => w.setRelayed(stored, false));
    expect(await store.getTx(W, child.txid)).toMatchObject({ trusted: false });
  });
});
