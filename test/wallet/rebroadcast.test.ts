/**
 * What a refused rebroadcast means (src/wallet/ledger/rebroadcast.ts): Core's reject reasons, and
 * the missing-inputs verdict over a real keystore with real transactions. The same rules are
 * judged against a real node in test/ledger/transient-missing.test.ts and the differential.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/keystore/database.ts';
import { migrate } from '../../src/keystore/migrations.ts';
import { SqlWalletStore } from '../../src/keystore/sql-wallet-store.ts';
import { LedgerWriter } from '../../src/wallet/ledger/ledger.ts';
import { classifyRejection, judgeMissingInputs, type PassMempool } from '../../src/wallet/ledger/rebroadcast.ts';
import type { AddressRecord } from '../../src/wallet/types.ts';
import { rawKey, tempDir, walletRecord } from '../keystore/helpers.ts';
import { foreignOutpoint, tx } from './ledger-tx-fixtures.ts';

const W = 'w1';
const rows: AddressRecord[] = Array.from({ length: 4 }, (_, i) => ({
  walletId: W, chain: 0, index: i, address: `addr${i}`, script: `0014${randomBytes(20).toString('hex')}`,
  path: `m/84'/1'/0'/0/${i}`, label: null, issued: false, used: false,
}));
const mine = (i: number) => Buffer.from(rows[i]!.script, 'hex');

const foreign = foreignOutpoint;
const unmined = { blockHeight: null, blockHash: null, blockTime: null };

describe('classifyRejection: Core\u2019s reject reasons', () => {
  it.each([
    ['Missing inputs', 'missing-inputs'],
    ['bad-txns-inputs-missingorspent', 'missing-inputs'],
    ['bad-txns-premature-spend-of-coinbase', 'kept'],
    ['non-final', 'kept'],
    ['mempool min fee not met', 'kept'],
    ['txn-mempool-conflict', 'replaced'],
    ['insufficient fee, rejecting replacement', 'replaced'],
    ['txn-already-in-mempool', 'accepted'],
    ['Transaction already in block chain', 'accepted'],
  ])('%s → %s', (reason, outcome) => {
    expect(classifyRejection(reason)).toBe(outcome);
  });
});

describe('judgeMissingInputs', () => {
  let cleanup: () => void;
  let db: Database;
  let store: SqlWalletStore;
  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = tempDir());
    db = await openDatabase({ path: join(dir, 'keystore.db'), key: rawKey() });
    await migrate(db);
    store = new SqlWalletStore(db);
    await store.insertWallet(walletRecord(), rows);
  });
  afterEach(async () => {
    await db.close();
    cleanup();
  });

  /** A receive, and an own send spending it; the receive as `parentAs`. */
  async function sendOnReceive(parentAs: 'pending' | 'confirmed') {
    const receive = tx([foreign()], [[mine(0), 50_000]]);
    const send = tx([`${receive.txid}:0`], [[mine(1), 40_000]]);
    await store.transact(W, async (txn) => {
      const w = new LedgerWriter(txn, 200, 1000);
      await w.seen(parentAs === 'confirmed' ? { ...receive, blockHeight: 150, blockHash: 'h150', blockTime: 1 } : { ...receive, ...unmined });
      await w.seen({ ...send, ...unmined });
    });
    return { receive, send };
  }
  const judge = async (txid: string, pass: PassMempool) =>
    store.transact(W, async (txn) => judgeMissingInputs(txn, (await txn.getTxs([txid])).get(txid)!, pass));

  it('waits with a parent of the wallet\u2019s that is itself only waiting', async () => {
    const { receive, send } = await sendOnReceive('pending');
    expect(await judge(send.txid, { seen: new Set(), outcomes: new Map([[receive.txid, 'kept']]) })).toBe('kept');
  });

  it('takes the node\u2019s word when no parent is waiting: parents in the mempool or the chain explain nothing', async () => {
    const pending = await sendOnReceive('pending');
    expect(await judge(pending.send.txid, { seen: new Set([pending.receive.txid]), outcomes: new Map() })).toBe('conflicted');
    expect(await judge(pending.send.txid, { seen: new Set(), outcomes: new Map([[pending.receive.txid, 'accepted']]) })).toBe('conflicted');
    const mined = await sendOnReceive('confirmed');
    expect(await judge(mined.send.txid, { seen: new Set(), outcomes: new Map() })).toBe('conflicted');
  });

  it('waits when one parent is in the mempool and another only waits (differential seed 3598896128)', async () => {
    const live = tx([foreign()], [[mine(0), 50_000]]);
    const waiting = tx([foreign()], [[mine(1), 60_000]]);
    const send = tx([`${live.txid}:0`, `${waiting.txid}:0`], [[mine(2), 100_000]]);
    await store.transact(W, async (txn) => {
      const w = new LedgerWriter(txn, 200, 1000);
      for (const t of [live, waiting, send]) await w.seen({ ...t, ...unmined });
    });
    const pass: PassMempool = { seen: new Set([live.txid]), outcomes: new Map([[waiting.txid, 'kept']]) };
    expect(await judge(send.txid, pass)).toBe('kept');
  });

  it('can never confirm when a parent is conflicted', async () => {
    const { receive, send } = await sendOnReceive('pending');
    await store.transact(W, async (txn) => {
      const w = new LedgerWriter(txn, 200, 1000);
      await w.deactivate((await txn.getTxs([receive.txid])).get(receive.txid)!, 'conflicted', null);
      // The cascade conflicted the send too; judge it as the follower would have before that.
      await txn.putTx({ ...(await txn.getTxs([send.txid])).get(send.txid)!, status: 'pending', conflictedBy: null });
    });
    expect(await judge(send.txid, { seen: new Set(), outcomes: new Map() })).toBe('conflicted');
  });

  it('takes the node\u2019s word when the missing parent is not the wallet\u2019s', async () => {
    const receive = tx([foreign()], [[mine(0), 50_000]]);
    await store.transact(W, async (txn) => new LedgerWriter(txn, 200, 1000).seen({ ...receive, ...unmined }));
    expect(await judge(receive.txid, { seen: new Set(), outcomes: new Map() })).toBe('conflicted');
  });
});
