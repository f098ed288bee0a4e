/**
 * What a rebroadcast of a wallet transaction the node no longer holds says about it. Core's
 * wallet never calls such a tx conflicted on the node's word alone: it stays inactive, inputs
 * spent, until a conflicting tx is mined or the user abandons it. walletd frees its inputs only
 * once it can never confirm, and keeps it (pending, not relayed, tried again each pass) while
 * it only waits: for a coinbase to mature again, for its locktime, or for a parent that is out
 * of the mempool for now.
 */
import { Transaction } from 'bitcoinjs-lib';
import { prevoutsOf } from './outpoints.ts';
import type { LedgerTxn } from './ledger-store.ts';
import type { LedgerTx } from './ledger-types.ts';

/**
 * How the node answered: it took the tx back; it refused a still-valid tx for now; an input is
 * missing (judged by `judgeMissingInputs`); the tx can no longer confirm; or it was out-bid.
 */
export type Rebroadcast = 'accepted' | 'kept' | 'missing-inputs' | 'conflicted' | 'replaced';

/**
 * Bitcoin Core's reject reasons (validation.cpp). Missing or spent inputs need a look at the
 * parents; a mempool conflict that out-bids us is a replacement; anything else (fees, mempool
 * full, non-final, a coinbase that is immature again after a reorg, already known or mined)
 * leaves the tx valid, so it stays pending and is tried again.
 */
export function classifyRejection(reason: string): Rebroadcast {
  if (/missingorspent|missing-inputs|missing inputs/i.test(reason)) return 'missing-inputs';
  if (/txn-mempool-conflict|insufficient fee|replacement/i.test(reason)) return 'replaced';
  // It is in the mempool or the chain after all: the next scan finds it.
  if (/already in (the )?(mempool|block chain)|txn-already-known|txn-already-in-mempool/i.test(reason)) return 'accepted';
  return 'kept';
}

/** What this pass knows of the mempool: txids the scan saw, and the outcomes of earlier rebroadcasts. */
export interface PassMempool {
  seen: ReadonlySet<string>;
  outcomes: ReadonlyMap<string, Rebroadcast>;
}

/**
 * The node says an input of `tx` is missing. It can never confirm if a parent is conflicted or
 * replaced, or is an orphaned coinbase. A wallet parent that is itself out of the mempool, only
 * waiting, explains the refusal: the tx waits with it. Parents in the chain or the mempool
 * explain nothing: the wallet's own outputs can only be spent by its own txs, which the ledger
 * would have seen and knocked this one out with. With no parent to wait for (say a parent
 * outside the wallet is gone), the node's word stands.
 */
export async function judgeMissingInputs(txn: LedgerTxn, tx: LedgerTx, pass: PassMempool): Promise<'conflicted' | 'kept'> {
  const parentIds = [...new Set(prevoutsOf(Transaction.fromHex(tx.hex)).map((op) => op.slice(0, op.lastIndexOf(':'))))];
  const parents = await txn.getTxs(parentIds);
  let waiting = false;
  for (const id of parentIds) {
    const parent = parents.get(id);
    if (!parent || parent.status === 'confirmed') continue;
    if (parent.status === 'conflicted' || parent.status === 'replaced') return 'conflicted';
    if (parent.coinbase) return 'conflicted';
    const live = pass.seen.has(id) || pass.outcomes.get(id) === 'accepted';
    if (!live) waiting = true;
  }
  return waiting ? 'kept' : 'conflicted';
}
