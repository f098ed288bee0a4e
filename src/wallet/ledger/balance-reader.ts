/** get_balance from the ledger: one totals row plus the leased part of the spendable coins. */
import type { Balance } from '../wallet-api.ts';
import { balanceFromTotals, spendableBuckets } from './coin-state.ts';
import type { LedgerStore } from './ledger-store.ts';

/** The wallet's (or one address's) balance categories. */
export async function readBalance(
  store: LedgerStore,
  walletId: string,
  opts: { now: number; spendZeroConfChange: boolean; address?: string },
): Promise<Balance> {
  const buckets = spendableBuckets(opts.spendZeroConfChange);
  const [totals, leased] = await Promise.all([
    opts.address === undefined ? store.totals(walletId) : store.addressTotals(walletId, opts.address),
    store.leasedValue(walletId, buckets, opts.now, opts.address),
  ]);
  return balanceFromTotals(totals, { leased, spendZeroConfChange: opts.spendZeroConfChange });
}
