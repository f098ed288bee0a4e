/**
 * The send form, shown only when the token has `wallet:send`: a dry run first (the fee, the
 * size and what leaves the wallet), then an explicit confirmation that sends exactly what was
 * previewed, under an idempotency key so a double click or a retry never pays twice.
 */
import { h, replace, sats, shortTxid, type View } from '../dom.ts';
import { errorBox } from '../errors.ts';
import type { Session } from '../session.ts';

interface Draft {
  address: string;
  amount: number;
  feeRate?: number;
}

function readDraft(form: HTMLFormElement): Draft | string {
  const data = new FormData(form);
  const address = String(data.get('address') ?? '').trim();
  const amountText = String(data.get('amount') ?? '').trim();
  const rateText = String(data.get('feeRate') ?? '').trim();
  if (!address) return 'Enter an address.';
  // Whole sats only, as on the wire: no floats, no exponent.
  if (!/^\d+$/.test(amountText) || !Number.isSafeInteger(Number(amountText)) || Number(amountText) === 0) return 'Enter the amount as a whole number of sats.';
  if (rateText !== '' && !(Number(rateText) > 0)) return 'The fee rate is a positive number of sat/vB, or empty for the estimate.';
  return { address, amount: Number(amountText), ...(rateText !== '' ? { feeRate: Number(rateText) } : {}) };
}

/** The send panel; `onSent` lets the wallet view refresh. */
export function sendView(session: Session, wallet: string, onSent: () => void): View {
  const error = errorBox();
  const preview = h('div', { 'data-testid': 'send-preview' });
  const result = h('p', { 'data-testid': 'send-result' });
  const { maxSendPerTx, maxSendPerDay } = session.info.constraints;
  const limits = [
    maxSendPerTx !== undefined ? `at most ${sats(maxSendPerTx)} per transaction` : '',
    maxSendPerDay !== undefined ? `at most ${sats(maxSendPerDay)} per 24 h` : '',
  ].filter(Boolean).join(', ');
  const form = h('form', { 'data-testid': 'send-form', onsubmit: (e: Event) => {
    e.preventDefault();
    void dryRun();
  },
  // An edit after a preview drops it: "Confirm and send" only ever sends what is on screen.
  oninput: () => {
    if (preview.firstChild) replace(preview);
  } },
    h('label', {}, 'To ', h('input', { name: 'address', required: true, size: 50, autocomplete: 'off', spellcheck: 'false' })),
    h('label', {}, 'Amount (sats) ', h('input', { name: 'amount', required: true, inputmode: 'numeric', size: 14 })),
    h('label', {}, 'Fee rate (sat/vB) ', h('input', { name: 'feeRate', inputmode: 'decimal', size: 8, placeholder: 'estimate' })),
    h('button', { type: 'submit', 'data-action': 'preview' }, 'Preview'));
  const el = h('section', { class: 'panel', 'data-view': 'send' },
    h('h2', {}, 'Send'), limits ? h('p', { class: 'limits' }, `This token may send ${limits} (amount plus fee).`) : null,
    form, error.el, preview, result);

  const dryRun = async () => {
    replace(preview);
    result.textContent = '';
    const draft = readDraft(form);
    if (typeof draft === 'string') return error.show(new Error(draft));
    try {
      const p = await session.http.sendTransaction({ wallet, outputs: [{ address: draft.address, amount: draft.amount }], dryRun: true, ...(draft.feeRate !== undefined ? { feeRate: draft.feeRate } : {}) });
      if (!('dryRun' in p)) throw new Error('walletd sent instead of previewing');
      error.clear();
      const key = crypto.randomUUID();
      replace(preview,
        h('p', { 'data-testid': 'preview-fee', 'data-fee': p.fee }, `Fee: ${sats(p.fee)} (${p.feeRate.toFixed(2)} sat/vB, ${p.vsize} vB, ${p.feeSource}).`),
        h('p', {}, `${sats(draft.amount)} to ${draft.address}; ${sats(draft.amount + p.fee)} leaves the wallet.`),
        h('button', { type: 'button', 'data-action': 'confirm-send', onclick: (e: Event) => void send(draft, p.feeRate, key, e.currentTarget as HTMLButtonElement) }, 'Confirm and send'),
        h('button', { type: 'button', onclick: () => replace(preview) }, 'Back'));
    } catch (err) {
      error.show(err);
    }
  };

  const send = async (draft: Draft, feeRate: number, idempotencyKey: string, button: HTMLButtonElement) => {
    button.disabled = true;
    try {
      // The previewed fee rate, so the confirmed payment is the one the person saw.
      const r = await session.http.sendTransaction({ wallet, outputs: [{ address: draft.address, amount: draft.amount }], feeRate, idempotencyKey });
      if ('dryRun' in r) throw new Error('walletd previewed instead of sending');
      error.clear();
      replace(preview);
      form.reset();
      result.dataset.txid = r.txid;
      result.textContent = `Sent ${sats(draft.amount)}: ${shortTxid(r.txid)} (${r.status}), fee ${sats(r.fee)}.`;
      onSent();
    } catch (err) {
      button.disabled = false;
      error.show(err);
    }
  };
  return { el, destroy: () => el.remove() };
}
