import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/keystore/database.ts';
import { migrate } from '../../src/keystore/migrations.ts';
import { SqlWalletStore } from '../../src/keystore/sql-wallet-store.ts';
import { isWalletdError } from '../../src/errors.ts';
import type { LedgerTx } from '../../src/wallet/ledger/ledger-types.ts';
import { addressRecord, rawKey, tempDir, walletRecord } from './helpers.ts';

let dir: string;
let cleanup: () => void;
let db: Database;
let store: SqlWalletStore;

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  db = await openDatabase({ path: join(dir, 'keystore.db'), key: rawKey() });
  await migrate(db);
  store = new SqlWalletStore(db);
  await store.insertWallet(walletRecord(), [addressRecord('w1', 0, 0), addressRecord('w1', 1, 0)]);
});
afterEach(async () => {
  await db.close();
  cleanup();
});

const tx = (txid: string, blockHeight: number | null, firstSeen: number): LedgerTx => ({
  walletId: 'w1', txid, hex: `02${txid}`, blockHeight, blockHash: blockHeight === null ? null : `h${blockHeight}`,
  blockTime: blockHeight === null ? null : 1_600_000_000 + blockHeight, status: blockHeight === null ? 'pending' : 'confirmed',
  coinbase: false, trusted: false, replacedBy: null, conflictedBy: null, firstSeen, label: null, relayed: true,
});

describe('SqlWalletStore: wallets and addresses', () => {
  it('round-trips wallets, including the sealed seed as bytes', async () => {
    expect(await store.getWallet('w1')).toEqual(walletRecord());
    expect(await store.getWallet('nope')).toBeNull();
    const w2 = walletRecord({ id: 'w2', name: 'watch', sealedSeed: null, accountXpub: 'tpubX', createdAt: 2e12, addressType: 'p2tr' });
    await store.insertWallet(w2, []);
    expect((await store.listWallets()).map((w) => w.id)).toEqual(['w1', 'w2']);
    expect(await store.findWalletByAccountXpub('tpubX')).toEqual(w2);
    expect(await store.findWalletByAccountXpub('tpubNone')).toBeNull();
    await store.updateSealedSeed('w1', new Uint8Array([9, 9]), true);
    const w1 = await store.getWallet('w1');
    expect(w1?.sealedSeed).toEqual(new Uint8Array([9, 9]));
    expect(w1?.hasPassphrase).toBe(true);
    await expect(store.updateSealedSeed('nope', new Uint8Array(), false)).rejects.toSatisfy((e) => isWalletdError(e, 'WALLET_NOT_FOUND'));
  });

  it('insertWallet is atomic: a bad address row leaves no wallet behind', async () => {
    const bad = { ...addressRecord('w3', 0, 0), chain: 7 as 0 }; // violates CHECK (chain IN (0, 1))
    await expect(store.insertWallet(walletRecord({ id: 'w3' }), [addressRecord('w3', 0, 1), bad])).rejects.toThrow();
    expect(await store.getWallet('w3')).toBeNull();
    expect(await store.listAddresses('w3')).toEqual([]);
  });

  it('inserts addresses in bulk, keeps existing rows, and marks issued with a label', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => addressRecord('w1', 0, i + 1));
    await store.insertAddresses([addressRecord('w1', 0, 0), ...rows]);
    const all = await store.listAddresses('w1');
    expect(all).toHaveLength(202);
    expect(all[0]).toEqual(addressRecord('w1', 0, 0));
    expect(all[201]).toEqual(addressRecord('w1', 1, 0));
    await store.markIssued('w1', 0, 5, 'rent');
    await store.markIssued('w1', 0, 5, null);
    const a5 = (await store.listAddresses('w1')).find((a) => a.chain === 0 && a.index === 5);
    expect(a5).toMatchObject({ issued: true, label: 'rent' });
    await expect(store.markIssued('w1', 0, 9999, null)).rejects.toThrow();
  });
});

describe('SqlWalletStore: history', () => {
  it('a failing ledger transaction writes nothing', async () => {
    await expect(store.transact('w1', async (txn) => {
      await txn.putTx(tx('x', 50, 1));
      await txn.setSyncPoint({ height: 50, hash: 'h50' });
      throw new Error('simulated failure mid-event');
    })).rejects.toThrow('simulated');
    expect(await store.getTx('w1', 'x')).toBeNull();
    expect(await store.getSyncPoint('w1')).toBeNull();
  });

  it('pages history newest first: unconfirmed, then height desc, then first seen desc', async () => {
    const txs = [tx('c1', 10, 100), tx('c2', 12, 50), tx('c3', 12, 60), tx('u1', null, 10), tx('u2', null, 20), tx('c4', 11, 1)];
    await store.transact('w1', async (txn) => {
      for (const t of txs) await txn.putTx(t);
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listTxs('w1', { limit: 4, before: cursor });
      seen.push(...page.txs.map((t) => t.txid));
      cursor = page.next ?? undefined;
      pages++;
    } while (cursor !== undefined);
    expect(seen).toEqual(['u2', 'u1', 'c3', 'c2', 'c4', 'c1']);
    expect(pages).toBe(2);
    expect((await store.listTxs('w1', { limit: 6 })).next).toBeNull();
    expect(await store.listTxs('w2', { limit: 6 })).toEqual({ txs: [], next: null });
    await expect(store.listTxs('w1', { limit: 2, before: 'garbage!' })).rejects.toSatisfy((e) => isWalletdError(e, 'INVALID_PARAMS'));
  });

  it('ends a page early when its txs outweigh the budget, never below one tx, and goes on from there', async () => {
    const txs = [tx('a', 10, 1), tx('b', 11, 1), tx('c', 12, 1), tx('d', 13, 1)];
    await store.transact('w1', async (txn) => {
      for (const t of txs) await txn.putTx(t);
    });
    // d weighs 5: alone it is over budget, yet it is a page of its own; c and b fit together.
    const weights: Record<string, number> = { d: 5, c: 2, b: 2, a: 1 };
    const budget = { max: 4, weigh: (t: { txid: string }) => weights[t.txid]! };
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listTxs('w1', { limit: 10, before: cursor, budget });
      pages.push(page.txs.map((t) => t.txid));
      cursor = page.next ?? undefined;
    } while (cursor !== undefined);
    expect(pages).toEqual([['d'], ['c', 'b'], ['a']]);
  });
});

describe('SqlWalletStore: leases and idempotency', () => {
  const lease = (txid: string, vout: number, expiresAt: number, reason = 'r1') => ({ walletId: 'w1', txid, vout, expiresAt, reason });

  it('inserts leases all-or-nothing, refuses live conflicts, and lets expired ones be replaced', async () => {
    expect(await store.insertLeases([lease('a', 0, 1000), lease('a', 1, 1000)], 0)).toBe(true);
    // One conflicting outpoint: nothing from this batch is written.
    expect(await store.insertLeases([lease('b', 0, 2000, 'r2'), lease('a', 1, 2000, 'r2')], 500)).toBe(false);
    expect((await store.listLeases('w1', 500)).map((l) => `${l.txid}:${l.vout}`)).toEqual(['a:0', 'a:1']);
    // Duplicates within one batch are refused too.
    expect(await store.insertLeases([lease('c', 0, 2000), lease('c', 0, 2000)], 500)).toBe(false);
    // After expiry, the outpoint can be leased again and the old lease is no longer listed.
    expect(await store.listLeases('w1', 1000)).toEqual([]);
    expect(await store.insertLeases([lease('a', 1, 3000, 'r3')], 1000)).toBe(true);
    expect(await store.listLeases('w1', 1000)).toEqual([lease('a', 1, 3000, 'r3')]);
  });

  it('releases by outpoint, by reason, or all', async () => {
    await store.insertLeases([lease('a', 0, 9e12), lease('a', 1, 9e12, 'keep'), lease('b', 0, 9e12, 'drop'), lease('b', 1, 9e12, 'drop')], 0);
    expect(await store.releaseLeases('w1', { outpoints: ['a:0', 'zz:3'] })).toBe(1);
    expect(await store.releaseLeases('w1', { reason: 'drop' })).toBe(2);
    expect((await store.listLeases('w1', 0)).map((l) => l.reason)).toEqual(['keep']);
    expect(await store.releaseLeases('w1', {})).toBe(1);
    expect(await store.listLeases('w1', 0)).toEqual([]);
  });

  it('concurrent lease requests for the same coin: exactly one wins', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.insertLeases([lease('a', 0, 9e12, `req${i}`)], 0)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('stores idempotency keys per wallet', async () => {
    expect(await store.getIdempotent('w1', 'k')).toBeNull();
    await store.putIdempotent('w1', 'k', 'txid1', 'hash1');
    expect(await store.getIdempotent('w1', 'k')).toEqual({ txid: 'txid1', requestHash: 'hash1' });
    expect(await store.getIdempotent('w2', 'k')).toBeNull();
  });
});
