/**
 * The wallet's own transactions enter the ledger before they reach the network (SPEC §5): a
 * crash or an ambiguous broadcast then leaves a `broadcasting` record whose coins stay spent,
 * and sync settles it; no retry can spend them twice.
 */
import type { TxStatus } from '../types.ts';
import { LedgerWriter } from './ledger.ts';
import type { LedgerStore } from './ledger-store.ts';

/** Where the ledger's clock and tip come from. */
export interface OwnTxContext {
  store: LedgerStore;
  tipHeight: number;
  now: number;
}

/**
 * Records a signed transaction of the wallet with `status` (broadcasting before the send, pending
 * after). Returns the other transactions it displaced (a replacement's original, now `replaced`,
 * and their descendants, `conflicted`), so their `tx` events can say so.
 */
export async function recordOwnTx(
  ctx: OwnTxContext, walletId: string, tx: { txid: string; hex: string }, status: TxStatus,
): Promise<Map<string, TxStatus>> {
  return ctx.store.transact(walletId, async (txn) => {
    const writer = new LedgerWriter(txn, ctx.tipHeight, ctx.now);
    await writer.seen({ ...tx, blockHeight: null, blockHash: null, blockTime: null }, { status });
    const displaced = new Map(writer.changes.statusChanges);
    displaced.delete(tx.txid);
    return displaced;
  });
}

/** The node accepted it: a broadcasting record becomes pending. */
export async function markAccepted(ctx: OwnTxContext, walletId: string, txid: string): Promise<void> {
  await ctx.store.transact(walletId, async (txn) => {
    const tx = (await txn.getTxs([txid])).get(txid);
    if (tx?.status === 'broadcasting') await txn.setTxStatus(txid, 'pending', {});
  });
}

/** The node refused it outright, so nobody saw it: the record goes and its coins come back. */
export async function forgetRefused(ctx: OwnTxContext, walletId: string, txid: string): Promise<void> {
  await ctx.store.transact(walletId, async (txn) => {
    const tx = (await txn.getTxs([txid])).get(txid);
    if (tx?.status === 'broadcasting') await new LedgerWriter(txn, ctx.tipHeight, ctx.now).forget(txid);
  });
}
