/**
 * Trust of unconfirmed wallet transactions, kept as state. Bitcoin Core's `CachedTxIsTrusted`
 * asks it at every balance read: an unconfirmed tx is trusted when it is in the mempool, every
 * input spends a wallet coin, and every parent is confirmed or itself trusted. A parent's status
 * can change in a later pass (a reorg un-confirms it, a conflict kills it), so trust stored at
 * first sight goes stale; the ledger re-derives it for the txs whose status changed and for
 * their unconfirmed descendants, in the same keystore transaction.
 */
import type { LedgerTxn } from './ledger-store.ts';
import type { LedgerTx } from './ledger-types.ts';

/** True for a tx that can still confirm but has not yet. */
function unconfirmedLive(tx: LedgerTx): boolean {
  return tx.status === 'pending' || tx.status === 'broadcasting';
}

/** Core's rule for one unconfirmed tx, given the stored state of its parents. */
async function derivedTrust(txn: LedgerTxn, tx: LedgerTx): Promise<boolean> {
  if (tx.coinbase || !tx.relayed) return false;
  const inputs = (await txn.inputsOf([tx.txid])).map((s) => s.outpoint);
  if (inputs.length === 0) return false;
  const coins = await txn.getCoins(inputs);
  if (coins.size !== new Set(inputs).size) return false; // an input that is not the wallet's
  const parents = await txn.getTxs([...new Set([...coins.values()].map((c) => c.txid))]);
  for (const parent of parents.values()) {
    if (parent.status === 'confirmed') continue;
    if (!unconfirmedLive(parent) || !parent.relayed || !parent.trusted) return false;
  }
  return parents.size > 0;
}

/** Unconfirmed txs that spend a coin created by one of `txids`. */
async function childrenOf(txn: LedgerTxn, txids: readonly string[]): Promise<string[]> {
  const outs = (await txn.coinsOf(txids)).map((c) => `${c.txid}:${c.vout}`);
  if (outs.length === 0) return [];
  return [...new Set((await txn.spendersOf(outs)).map((s) => s.spender))];
}

/**
 * Re-derives trust from `changed` (txs whose status or relay changed) down through their
 * unconfirmed descendants, writing each tx whose trust flipped. Returns those txids, whose
 * coins must be re-bucketed. A descendant is revisited whenever a parent changed or flipped, so
 * one visited before its parent settled is corrected a round later; the walk stops where
 * nothing changes.
 */
export async function settleTrust(txn: LedgerTxn, changed: ReadonlySet<string>): Promise<string[]> {
  const flipped: string[] = [];
  let frontier = [...changed];
  // A DAG of wallet txs: each round moves one generation down, so the rounds are bounded by its depth.
  while (frontier.length > 0) {
    const txs = await txn.getTxs(frontier);
    const descend: string[] = [];
    for (const tx of txs.values()) {
      if (unconfirmedLive(tx)) {
        const trusted = await derivedTrust(txn, tx);
        if (trusted !== tx.trusted) {
          await txn.putTx({ ...tx, trusted });
          flipped.push(tx.txid);
          descend.push(tx.txid);
          continue;
        }
      }
      // A changed tx's children depend on its new status even when its own trust held.
      if (changed.has(tx.txid)) descend.push(tx.txid);
    }
    frontier = descend.length > 0 ? await childrenOf(txn, descend) : [];
  }
  return flipped;
}
