/**
 * The order in which found transactions are applied: mined ones by height (a backend lists a
 * block's transactions in block order, and the sort is stable), then mempool ones parents
 * first, so a coin is always known before the transaction that spends it.
 */
import { Transaction } from 'bitcoinjs-lib';
import type { ChainTx } from '../ports.ts';
import { prevoutsOf } from './outpoints.ts';
import { splitOutpoint } from './ledger-types.ts';

/** Sorts `txs` so that every parent precedes its children. */
export function chainOrder<T extends ChainTx>(txs: readonly T[]): T[] {
  const mined = txs.filter((t) => t.blockHeight !== null).sort((a, b) => a.blockHeight! - b.blockHeight!);
  const pool = txs.filter((t) => t.blockHeight === null);
  const byTxid = new Map(pool.map((t) => [t.txid, t]));
  const done = new Set<string>();
  const out: T[] = [];
  const visit = (t: T, path: Set<string>): void => {
    if (done.has(t.txid) || path.has(t.txid)) return;
    path.add(t.txid);
    for (const op of prevoutsOf(Transaction.fromHex(t.hex))) {
      const parent = byTxid.get(splitOutpoint(op).txid);
      if (parent) visit(parent, path);
    }
    done.add(t.txid);
    out.push(t);
  };
  pool.forEach((t) => visit(t, new Set()));
  return [...mined, ...out];
}
