/** The live event log: each event the feed delivered, by `seq`, as it arrived. */
import type { WalletEvent } from '@walletd/client';
import { h, sats, shortTxid, type View } from '../dom.ts';

/** How many events the log keeps on screen. */
const KEEP = 200;

function describe(e: WalletEvent): string {
  const d = e.data;
  const txid = typeof d.txid === 'string' ? shortTxid(d.txid) : '';
  switch (e.type) {
    case 'tx':
      return `${txid} ${String(d.status)}${typeof d.amount === 'number' ? ` ${String(d.direction ?? '')} ${sats(d.amount)}` : ''}`;
    case 'confirmation':
      return `${txid} ${String(d.confirmations)} confirmation(s) at height ${String(d.blockHeight)}`;
    case 'balance':
      return `total ${sats(Number(d.total))}, confirmed ${sats(Number(d.confirmed))}`;
    default:
      return JSON.stringify(d).slice(0, 80);
  }
}

/** The events panel; `add()` appends one event, `note()` a line such as "replayed since seq 41". */
export function eventsView(): View & { add(e: WalletEvent): void; note(text: string): void } {
  const list = h('ol', { 'data-testid': 'events' });
  const el = h('section', { class: 'panel', 'data-view': 'events' }, h('h2', {}, 'Live events'), list);
  const trim = () => {
    while (list.children.length > KEEP) list.firstElementChild?.remove();
  };
  return {
    el,
    add(e) {
      list.append(h('li', { 'data-seq': e.seq, 'data-type': e.type, 'data-txid': typeof e.data.txid === 'string' ? e.data.txid : undefined },
        h('span', { class: 'seq' }, `#${e.seq}`), ` ${e.type} `, describe(e)));
      trim();
    },
    note(text) {
      list.append(h('li', { class: 'note' }, text));
      trim();
    },
    destroy: () => el.remove(),
  };
}
