/**
 * Coin control (SPEC §5 `inputs`): turns the outpoints a caller names into the wallet's coins,
 * refusing each one a send must not spend with its own code. Shared by send_transaction,
 * send_all and create_psbt, so every way of naming coins is held to the same rules.
 */
import { fail } from '../../errors.ts';
import type { WalletStore } from '../ports.ts';
import type { LedgerCoin } from '../ledger/ledger-types.ts';
import type { InputRef } from '../wallet-api.ts';


/** What decides whether a named coin may be spent now. */
export interface InputRules {
  /** Unix ms, for lease expiry. */
  now: number;
  /** The wallet's own unconfirmed change may be spent (Core's -spendzeroconfchange). */
  spendZeroConfChange: boolean;
  /** Lease reasons the caller itself holds (a bump or re-sign of its own draft), not a conflict. */
  ownLeaseReasons?: ReadonlySet<string>;
}

/**
 * The wallet's coins for `refs`, in the caller's order. Fails INVALID_PARAMS on an empty or
 * repeated list, INPUT_NOT_FOUND for a coin the wallet does not own, INPUT_SPENT for one spent
 * (or whose creating tx was replaced), INPUT_IMMATURE for a young coinbase, INPUT_UNCONFIRMED for
 * someone else's unconfirmed payment, and INPUT_LEASED for a coin another draft holds.
 */
export async function resolveInputs(store: WalletStore, walletId: string, refs: readonly InputRef[], rules: InputRules): Promise<LedgerCoin[]> {
  if (refs.length === 0) fail('INVALID_PARAMS', 'inputs must not be empty', { field: 'inputs' });
  const outpoints = refs.map((r) => `${r.txid.toLowerCase()}:${r.vout}`);
  const seen = new Set<string>();
  outpoints.forEach((op, i) => {
    if (seen.has(op)) fail('INVALID_PARAMS', 'an input is named twice', { field: `inputs/${i}`, outpoint: op });
    seen.add(op);
  });
  const [coins, leases] = await Promise.all([store.getCoins(walletId, outpoints), store.listLeases(walletId, rules.now)]);
  const leasedBy = new Map(leases.map((l) => [`${l.txid}:${l.vout}`, l]));
  return outpoints.map((outpoint, i) => {
    const field = `inputs/${i}`;
    const coin = coins.get(outpoint) ?? fail('INPUT_NOT_FOUND', undefined, { field, outpoint });
    const at = { field, outpoint };
    if (coin.bucket === 'spent' || coin.bucket === 'dead') fail('INPUT_SPENT', undefined, { ...at, spentBy: coin.spentBy });
    if (coin.bucket === 'immature') fail('INPUT_IMMATURE', undefined, at);
    // Someone else's unconfirmed payment can be double-spent by its sender (Core's IsTrusted).
    if (coin.bucket === 'untrusted_pending') fail('INPUT_UNCONFIRMED', undefined, at);
    if (coin.bucket === 'trusted_pending' && !rules.spendZeroConfChange) fail('INPUT_UNCONFIRMED', 'wallet.spendZeroConfChange is off', at);
    const lease = leasedBy.get(outpoint);
    if (lease && !rules.ownLeaseReasons?.has(lease.reason)) {
      fail('INPUT_LEASED', undefined, { field, outpoint, lockedUntil: Math.floor(lease.expiresAt / 1000) });
    }
    return coin;
  });
}
