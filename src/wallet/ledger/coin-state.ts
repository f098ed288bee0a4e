/**
 * The rules for what a coin is worth to the wallet right now. Pure: the ledger applies them
 * whenever a chain event touches a coin, and stores the result as the coin's bucket.
 */
import type { TxStatus } from '../types.ts';
import type { BucketTotals, CoinBucket, LedgerCoin } from './ledger-types.ts';
import { LIVE_STATUSES } from './ledger-types.ts';

/**
 * Confirmations a coinbase output needs before the wallet counts it as spendable. Consensus
 * allows a spend at 100 (COINBASE_MATURITY); Bitcoin Core's wallet waits for 101, and so do we,
 * so a spend is never refused as `bad-txns-premature-spend-of-coinbase`.
 */
export const COINBASE_CONFIRMATIONS = 101;

/** Confirmations of something mined at `height` when the tip is `tipHeight`. */
export function confirmations(height: number | null, tipHeight: number | null): number {
  return height === null || tipHeight === null ? 0 : Math.max(0, tipHeight - height + 1);
}

/** What decides a coin's bucket. */
export interface CoinFacts {
  coinbase: boolean;
  blockHeight: number | null;
  trusted: boolean;
  /** Status of the transaction that created the coin. */
  creatorStatus: TxStatus;
  /** The node holds the creating tx (always true once mined). */
  creatorRelayed: boolean;
  /** True when a live (broadcasting, pending or confirmed) transaction spends it. */
  spentByLive: boolean;
}

/** The bucket of a coin, given the chain tip. */
export function coinBucket(facts: CoinFacts, tipHeight: number): CoinBucket {
  if (!LIVE_STATUSES.has(facts.creatorStatus)) return 'dead';
  // Core counts unconfirmed outputs only while the tx is in the mempool; the tx stays pending.
  if (facts.creatorStatus === 'pending' && !facts.creatorRelayed) return 'dead';
  if (facts.spentByLive) return 'spent';
  if (facts.creatorStatus === 'confirmed' && facts.blockHeight !== null) {
    const immature = facts.coinbase && confirmations(facts.blockHeight, tipHeight) < COINBASE_CONFIRMATIONS;
    return immature ? 'immature' : 'confirmed';
  }
  return facts.trusted ? 'trusted_pending' : 'untrusted_pending';
}

/** Lowest coinbase height whose maturity can change when the tip moves to `tipHeight`. */
export function maturityHorizon(tipHeight: number): number {
  return tipHeight - COINBASE_CONFIRMATIONS + 1;
}

/** get_balance categories (SPEC §5), from bucket totals and the leased part of the spendable coins. */
export function balanceFromTotals(
  totals: BucketTotals,
  opts: { leased: bigint; spendZeroConfChange: boolean },
): {
  confirmed: number; immature: number; trustedPending: number; untrustedPending: number;
  unconfirmed: number; spendable: number; total: number;
} {
  const unconfirmed = totals.trustedPending + totals.untrustedPending;
  const spendableBase = totals.confirmed + (opts.spendZeroConfChange ? totals.trustedPending : 0n);
  const spendable = spendableBase > opts.leased ? spendableBase - opts.leased : 0n;
  return {
    confirmed: Number(totals.confirmed),
    immature: Number(totals.immature),
    trustedPending: Number(totals.trustedPending),
    untrustedPending: Number(totals.untrustedPending),
    unconfirmed: Number(unconfirmed),
    spendable: Number(spendable),
    total: Number(totals.confirmed + totals.immature + unconfirmed),
  };
}

/** Buckets a send may choose coins from. */
export function spendableBuckets(spendZeroConfChange: boolean): CoinBucket[] {
  return spendZeroConfChange ? ['confirmed', 'trusted_pending'] : ['confirmed'];
}

/** True when the coin may be chosen by a send (ignoring leases). */
export function isSpendable(coin: Pick<LedgerCoin, 'bucket'>, spendZeroConfChange: boolean): boolean {
  return spendableBuckets(spendZeroConfChange).includes(coin.bucket);
}
