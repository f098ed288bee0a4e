/**
 * One wallet's page: the panels the token's scopes allow, kept current by the live feed.
 * Destroying it stops the feed (unsubscribe, close the socket), so no listener outlives it.
 */
import { h, type View } from '../dom.ts';
import { LiveFeed, type LiveState } from '../live.ts';
import type { Session } from '../session.ts';
import { addressesView } from './addresses-view.ts';
import { balanceView } from './balance-view.ts';
import { eventsView } from './events-view.ts';
import { historyView } from './history-view.ts';
import { sendView } from './send-view.ts';

/** Builds the wallet page; `onLive` reports the feed's state for the header. */
export function walletView(session: Session, wallet: string, onLive: (state: LiveState, detail: string) => void): View {
  const balance = balanceView(session, wallet);
  const addresses = addressesView(session, wallet);
  const history = historyView(session, wallet);
  const events = eventsView();
  let pending: ReturnType<typeof setTimeout> | null = null;
  // Several events arrive together (tx, balance, confirmation): read the state once for them.
  const refreshSoon = () => {
    if (pending !== null) return;
    pending = setTimeout(() => {
      pending = null;
      void balance.refresh();
      void history.refresh();
      void addresses.refresh();
    }, 150);
  };
  const send = session.can('wallet:send') ? sendView(session, wallet, refreshSoon) : null;
  const el = h('div', { class: 'wallet', 'data-wallet': wallet }, balance.el, send?.el, events.el, history.el, addresses.el);
  // How the feed went live ("live from seq 17"); the header adds the latest seq to it.
  let liveDetail = '';
  const feed = new LiveFeed(session, wallet, {
    onEvent(e) {
      events.add(e);
      onLive('live', `${liveDetail} · latest seq ${e.seq}`);
      refreshSoon();
    },
    onState(state, detail) {
      if (state === 'live') {
        liveDetail = detail;
        events.note(detail);
        // Whatever happened while the socket was down is in the stores now: re-read it.
        refreshSoon();
      }
      onLive(state, detail);
    },
  });
  return {
    el,
    destroy() {
      if (pending !== null) clearTimeout(pending);
      void feed.stop();
      for (const v of [balance, addresses, history, events, send]) v?.destroy();
      el.remove();
    },
  };
}
