/** The selected wallet's balance with every category `get_balance` returns (README "The ledger"). */
import type { ResultOf } from '@walletd/client';
import { h, replace, sats, type View } from '../dom.ts';
import { errorBox } from '../errors.ts';
import type { Session } from '../session.ts';

type Balance = ResultOf<'get_balance'>;

/**
 * Each category with the words a person reads. `unconfirmed` is the sum of the two pending rows
 * (SPEC §5), so those are drawn indented under it (`part`), not as amounts of their own.
 */
const CATEGORIES: ReadonlyArray<[keyof Balance, string, boolean?]> = [
  ['total', 'Total'],
  ['spendable', 'Spendable now'],
  ['confirmed', 'Confirmed'],
  ['unconfirmed', 'Unconfirmed, of which:'],
  ['trustedPending', 'pending (own change)', true],
  ['untrustedPending', 'pending (incoming)', true],
  ['immature', 'Immature (coinbase)'],
];

/** A balance panel; `refresh()` re-reads it (the live feed calls it on each event). */
export function balanceView(session: Session, wallet: string): View & { refresh(): Promise<void> } {
  const list = h('dl', { 'data-testid': 'balance' });
  const error = errorBox();
  const el = h('section', { class: 'panel', 'data-view': 'balance' }, h('h2', {}, 'Balance'), list, error.el);
  const refresh = async () => {
    try {
      const b = await session.http.getBalance({ wallet });
      error.clear();
      replace(list, ...CATEGORIES.flatMap(([key, name, part]) => [
        h('dt', { class: part ? 'part' : undefined }, name),
        h('dd', { class: part ? 'part' : undefined, 'data-field': key, 'data-sats': b[key], 'data-part-of': part ? 'unconfirmed' : undefined }, sats(b[key])),
      ]));
    } catch (err) {
      error.show(err);
    }
  };
  void refresh();
  return { el, refresh, destroy: () => el.remove() };
}
