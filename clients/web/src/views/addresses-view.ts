/**
 * Addresses with their labels (`wallet:read`), and a new receive address with its QR code when
 * the token has `wallet:receive`. The QR code encodes a BIP21 URI in upper case, which QR's
 * alphanumeric mode stores more compactly (BIP173: bech32 may be written all upper case).
 */
import qrcode from 'qrcode-generator';
import { h, replace, type View } from '../dom.ts';
import { errorBox } from '../errors.ts';
import type { Session } from '../session.ts';

/** Draws `text` as a QR code on a canvas (no HTML strings, no external image). */
export function qrCanvas(text: string, cell = 4): HTMLCanvasElement {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Alphanumeric');
  qr.make();
  const n = qr.getModuleCount();
  const margin = 4;
  const canvas = h('canvas', { width: (n + 2 * margin) * cell, height: (n + 2 * margin) * cell, 'data-qr': text });
  const g = canvas.getContext('2d');
  if (g) {
    g.fillStyle = '#fff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.fillStyle = '#000';
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) g.fillRect((c + margin) * cell, (r + margin) * cell, cell, cell);
  }
  return canvas;
}

/** The addresses panel. */
export function addressesView(session: Session, wallet: string): View & { refresh(): Promise<void> } {
  const body = h('tbody');
  const error = errorBox();
  const fresh = h('div', { class: 'fresh', 'data-testid': 'new-address' });
  const label = h('input', { name: 'label', placeholder: 'label (optional)', maxlength: 200 });
  const form = session.can('wallet:receive')
    ? h('form', { 'data-testid': 'new-address-form', onsubmit: (e: Event) => {
        e.preventDefault();
        void generate();
      } }, label, h('button', { type: 'submit' }, 'New address'))
    : null;
  const el = h('section', { class: 'panel', 'data-view': 'addresses' },
    h('h2', {}, 'Addresses'), form, fresh, error.el,
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'address'), h('th', {}, 'label'), h('th', {}, 'path'), h('th', {}, 'used'))), body));

  const refresh = async () => {
    try {
      const rows = (await session.http.getAddresses({ wallet })).filter((a) => a.chain === 'receive');
      error.clear();
      replace(body, ...rows.map((a) => h('tr', { 'data-address': a.address },
        h('td', { class: 'mono' }, a.address), h('td', {}, a.label ?? ''), h('td', { class: 'mono' }, a.path), h('td', {}, a.used ? 'yes' : 'no'))));
    } catch (err) {
      error.show(err);
    }
  };
  const generate = async () => {
    try {
      const text = label.value.trim();
      const a = await session.http.generateAddress({ wallet, ...(text ? { label: text } : {}) });
      error.clear();
      label.value = '';
      replace(fresh, qrCanvas(`bitcoin:${a.address}`.toUpperCase()), h('p', { class: 'mono', 'data-testid': 'fresh-address' }, a.address), a.label ? h('p', {}, a.label) : null);
      await refresh();
    } catch (err) {
      error.show(err);
    }
  };
  void refresh();
  return { el, refresh, destroy: () => el.remove() };
}
