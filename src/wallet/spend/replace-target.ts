/**
 * What a fee bump or a cancel needs to know about the unconfirmed transaction it acts on: the
 * wallet's record, which inputs are the wallet's, its fee, and the node's mempool view of its
 * descendants and ancestors (BIP125 rules 3 and 5, and the package a CPFP child joins).
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import { inputOutpoint, prevoutsOf } from '../ledger/outpoints.ts';
import type { LedgerCoin, LedgerTx } from '../ledger/ledger-types.ts';
import type { ChainBackend, MempoolEntry, WalletStore } from '../ports.ts';

/** BIP125 rule 5: a replacement may evict at most this many transactions. */
export const MAX_EVICTED = 100;

/** The transaction to replace or bump, as the wallet and the node see it. */
export interface ReplaceTarget {
  tx: LedgerTx;
  decoded: Transaction;
  /** The wallet's coin for each input, or null for an input that is not the wallet's. */
  inputs: Array<LedgerCoin | null>;
  /** Fee in sats when every input is the wallet's (so their values are known), else the node's, else null. */
  fee: bigint | null;
  vsize: number;
  /** The node's entry, or null when the tx is not in the mempool (or the backend cannot say). */
  entry: MempoolEntry | null;
  /** sat/vB. */
  incrementalRelayFeeRate: number;
  minRelayFeeRate: number;
}

/** Narrows `inputs` to the case where the wallet owns every one. */
export function allOwn(inputs: Array<LedgerCoin | null>): inputs is LedgerCoin[] {
  return inputs.every((c) => c !== null);
}

/** Fees of everything a replacement of `target` evicts: the tx and its mempool descendants. */
export function evictedFees(target: ReplaceTarget): bigint {
  const own = target.fee ?? 0n;
  const withDescendants = target.entry?.descendantFees ?? own;
  return withDescendants > own ? withDescendants : own;
}

/**
 * Loads `txid` for a replacement: TX_NOT_FOUND when the wallet does not know it,
 * ALREADY_CONFIRMED once mined (asking sync to catch up), INVALID_PARAMS once replaced or
 * conflicted.
 */
export async function loadReplaceTarget(
  deps: { store: WalletStore; chain: ChainBackend; refresh(walletId: string): void },
  walletId: string,
  txid: string,
): Promise<ReplaceTarget> {
  const { store, chain } = deps;
  const tx = (await store.getTx(walletId, txid)) ?? fail('TX_NOT_FOUND', undefined, { txid });
  const onChain = await chain.getTx(txid);
  if (tx.status === 'confirmed' || (onChain && onChain.blockHeight !== null)) {
    deps.refresh(walletId);
    fail('ALREADY_CONFIRMED', undefined, { txid });
  }
  if (tx.status !== 'pending' && tx.status !== 'broadcasting') fail('INVALID_PARAMS', `transaction is already ${tx.status}`, { txid });
  const decoded = Transaction.fromHex(tx.hex);
  const [own, entry, incremental, minRelay] = await Promise.all([
    store.getCoins(walletId, prevoutsOf(decoded)),
    chain.getMempoolEntry ? chain.getMempoolEntry(txid) : Promise.resolve(null),
    chain.getIncrementalRelayFeeRate ? chain.getIncrementalRelayFeeRate() : Promise.resolve(1),
    chain.getMinRelayFeeRate(),
  ]);
  const inputs = decoded.ins.map((_, i) => own.get(inputOutpoint(decoded, i)) ?? null);
  const fee = allOwn(inputs)
    ? inputs.reduce((s, c) => s + c.value, 0n) - decoded.outs.reduce((s, o) => s + o.value, 0n)
    : entry?.fee ?? null;
  const target = { tx, decoded, inputs, fee, vsize: decoded.virtualSize(), entry, incrementalRelayFeeRate: incremental, minRelayFeeRate: minRelay };
  // A backend with no mempool view (Esplora): count the descendants the wallet itself knows.
  if (!chain.getMempoolEntry && fee !== null) return { ...target, entry: await knownDescendants(store, walletId, txid, fee, target.vsize) };
  return target;
}

/**
 * The wallet's own unconfirmed descendants of `txid` (transactions spending its outputs, and so
 * on), as a mempool entry: their fees where the wallet funded every input. A stranger's child is
 * invisible here, so this is a floor, never more than the node would ask.
 */
async function knownDescendants(store: WalletStore, walletId: string, txid: string, fee: bigint, vsize: number): Promise<MempoolEntry> {
  let fees = fee;
  let count = 1;
  const seen = new Set([txid]);
  for (let frontier = [txid]; frontier.length > 0 && count <= MAX_EVICTED; ) {
    const spenders = [...new Set((await store.coinsOf(walletId, frontier)).map((c) => c.spentBy).filter((t): t is string => t !== null && !seen.has(t)))];
    frontier = [];
    for (const child of spenders) {
      seen.add(child);
      const tx = await store.getTx(walletId, child);
      if (!tx || (tx.status !== 'pending' && tx.status !== 'broadcasting')) continue;
      const decoded = Transaction.fromHex(tx.hex);
      const coins = await store.getCoins(walletId, prevoutsOf(decoded));
      count += 1;
      frontier.push(child);
      if (coins.size !== decoded.ins.length) continue;
      fees += [...coins.values()].reduce((s, c) => s + c.value, 0n) - decoded.outs.reduce((s, o) => s + o.value, 0n);
    }
  }
  return { fee, vsize, descendantFees: fees, descendantCount: count, ancestorFees: fee, ancestorVsize: vsize };
}

/** BIP125 rule 5, checked before anything is signed. */
export function checkEvictionCount(target: ReplaceTarget): void {
  const count = target.entry?.descendantCount ?? 1;
  if (count > MAX_EVICTED) {
    fail('CANNOT_BUMP', 'a replacement would evict more than 100 transactions (BIP125 rule 5)', {
      txid: target.tx.txid, reason: 'too-many-descendants', descendants: count,
    });
  }
}
