/**
 * Paged transaction history with each transaction's outputs and status (`wallet:read`), and,
 * with `wallet:send`, bump and cancel for the wallet's own pending sends, each behind a
 * confirmation step.
 */
import type { ResultOf } from '@walletd/client';
import { h, replace, sats, shortTxid, type View } from '../dom.ts';
import { errorBox } from '../errors.ts';
import type { Session } from '../session.ts';

type Entry = ResultOf<'get_transaction_history'>['transactions'][number];

const PAGE_SIZE = 10;

/** A block or first-seen time (unix seconds) in ISO 8601, UTC. */
function iso(time: number): string {
  return new Date(time * 1000).toISOString();
}

function outputsOf(tx: Entry): HTMLElement {
  return h('ul', { class: 'outputs' }, ...tx.outputs.map((o) => h('li', { 'data-vout': o.vout },
    `#${o.vout} `, h('span', { class: 'mono' }, o.address ?? '(no address)'), ` ${sats(o.amount)}`,
    o.mine ? (o.change ? ' · change' : ' · mine') : '', o.label ? ` · ${o.label}` : '')));
}

/** The history panel; `refresh()` re-reads the page being shown. */
export function historyView(session: Session, wallet: string): View & { refresh(): Promise<void> } {
  const body = h('div', { 'data-testid': 'history' });
  const error = errorBox();
  const pageInfo = h('span');
  const cursors: Array<string | undefined> = [undefined];
  let next: string | null = null;
  // Each row's action slot by txid: a redraw (any live event) moves an open Bump/Cancel prompt,
  // with what was typed in it, into the new row instead of dropping it.
  let slots = new Map<string, HTMLElement>();
  const newer = h('button', { type: 'button', onclick: () => void go(-1) }, 'Newer');
  const older = h('button', { type: 'button', onclick: () => void go(1) }, 'Older');
  // Outside the rows, which the next refresh redraws.
  const notice = h('p', { 'data-testid': 'history-result' });
  const el = h('section', { class: 'panel wide', 'data-view': 'history' },
    h('h2', {}, 'History'), error.el, notice, body, h('nav', { class: 'pager' }, newer, pageInfo, older));

  /** Runs a fee-bump action after an inline "are you sure" with its fee rate. */
  const action = (tx: Entry, kind: 'bump' | 'cancel', slot: HTMLElement) => {
    const rate = h('input', { name: 'feeRate', inputmode: 'decimal', placeholder: 'sat/vB (estimate if empty)', size: 18 });
    const what = kind === 'bump' ? 'Raise the fee of' : 'Cancel (pay back to this wallet)';
    replace(slot, `${what} ${shortTxid(tx.txid)}? `, rate,
      h('button', { type: 'button', 'data-action': `confirm-${kind}`, onclick: () => void run() }, 'Confirm'),
      h('button', { type: 'button', onclick: () => replace(slot) }, 'Back'));
    const run = async () => {
      const feeRate = rate.value.trim() === '' ? undefined : Number(rate.value);
      try {
        const r = kind === 'bump'
          ? await session.http.bumpFee({ wallet, txid: tx.txid, ...(feeRate !== undefined ? { feeRate } : {}) })
          : await session.http.cancelTransaction({ wallet, txid: tx.txid, ...(feeRate !== undefined ? { feeRate } : {}) });
        error.clear();
        replace(slot);
        notice.dataset.txid = r.txid;
        notice.dataset.replaces = tx.txid;
        notice.textContent = `${kind === 'bump' ? 'Fee raised' : 'Cancelled'}: ${shortTxid(tx.txid)} → ${shortTxid(r.txid)}, fee ${sats(r.fee)}.`;
        await refresh();
      } catch (err) {
        error.show(err);
      }
    };
  };

  const row = (tx: Entry): HTMLElement => {
    const mayChange = session.can('wallet:send') && tx.direction !== 'incoming' && tx.status === 'pending';
    const kept = slots.get(tx.txid);
    const slot = mayChange && kept ? kept : h('div', { class: 'action' });
    if (mayChange && !kept) slots.set(tx.txid, slot);
    const buttons = mayChange
      ? h('span', {},
          h('button', { type: 'button', 'data-action': 'bump', onclick: () => action(tx, 'bump', slot) }, 'Bump fee'),
          h('button', { type: 'button', 'data-action': 'cancel', onclick: () => action(tx, 'cancel', slot) }, 'Cancel'))
      : null;
    return h('article', { class: `tx ${tx.status}`, 'data-txid': tx.txid, 'data-status': tx.status, 'data-confirmations': tx.confirmations },
      h('header', {},
        h('span', { class: 'mono', title: tx.txid }, shortTxid(tx.txid)),
        h('span', { class: 'dir' }, tx.direction),
        h('span', { class: 'amount' }, sats(tx.amount)),
        h('span', { class: 'status', 'data-field': 'status' }, tx.status === 'confirmed' ? `confirmed (${tx.confirmations})` : tx.status),
        tx.fee !== null ? h('span', {}, `fee ${sats(tx.fee)}`) : null,
        h('time', { datetime: iso(tx.time) }, `${iso(tx.time).replace('T', ' ').slice(0, 19)} UTC`),
        tx.label ? h('span', {}, tx.label) : null,
        buttons),
      outputsOf(tx), slot);
  };

  const refresh = async () => {
    try {
      const cursor = cursors[cursors.length - 1];
      const page = await session.http.getTransactionHistory({ wallet, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      error.clear();
      next = page.nextCursor;
      const focused = document.activeElement;
      const shown = new Set(page.transactions.map((t) => t.txid));
      slots = new Map([...slots].filter(([txid]) => shown.has(txid)));
      replace(body, ...(page.transactions.length ? page.transactions.map(row) : [h('p', { class: 'empty' }, 'No transactions yet.')]));
      // Moving a kept prompt took the focus from its fee-rate field: give it back.
      if (focused instanceof HTMLElement && focused !== document.activeElement && body.contains(focused)) focused.focus();
      newer.disabled = cursors.length === 1;
      older.disabled = next === null;
      pageInfo.textContent = `page ${cursors.length}`;
    } catch (err) {
      error.show(err);
    }
  };
  const go = async (step: 1 | -1) => {
    if (step === 1 && next !== null) cursors.push(next);
    if (step === -1 && cursors.length > 1) cursors.pop();
    await refresh();
  };
  void refresh();
  return { el, refresh, destroy: () => el.remove() };
}
