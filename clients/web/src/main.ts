/**
 * The reference web UI of walletd (issue 17): a thin client holding only the token a person
 * pastes in. The daemon URL comes from the input (or `?daemon=`); the token goes into the
 * session object and nowhere else: not in storage, a cookie or the URL.
 */
import { h, replace, sats, type View } from './dom.ts';
import { errorBox } from './errors.ts';
import type { LiveState } from './live.ts';
import { signIn, type Session } from './session.ts';
import { walletView } from './views/wallet-view.ts';

const DEFAULT_DAEMON = 'http://127.0.0.1:7380';
const app = document.getElementById('app')!;
const status = document.getElementById('live-status')!;

function setLive(state: LiveState | 'idle', detail: string): void {
  status.dataset.state = state;
  status.textContent = detail;
}

function daemonFromQuery(): string {
  const given = new URLSearchParams(location.search).get('daemon');
  try {
    return given ? new URL(given).origin : DEFAULT_DAEMON;
  } catch {
    return DEFAULT_DAEMON;
  }
}

/** An ISO 8601 time as `2026-12-01 16:00:00 UTC`, saying its zone; as given when unparsable. */
function utc(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `${new Date(t).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** Who the token is and what it may do, so a person sees why a panel is missing. */
function tokenPanel(session: Session, onSignOut: () => void): HTMLElement {
  const c = session.info.constraints;
  const limits = [
    c.wallets ? `wallets ${c.wallets.join(', ')}` : '',
    c.maxSendPerTx !== undefined ? `max ${sats(c.maxSendPerTx)} per tx` : '',
    c.maxSendPerDay !== undefined ? `max ${sats(c.maxSendPerDay)} per day` : '',
    c.expiresAt ? `expires ${utc(c.expiresAt)}` : '',
  ].filter(Boolean);
  return h('section', { class: 'panel token', 'data-testid': 'token' },
    h('h2', {}, `Token ${session.info.name}`),
    h('p', {}, 'Scopes: ', h('span', { 'data-testid': 'scopes' }, session.info.scopes.join(', '))),
    limits.length ? h('p', {}, `Limits: ${limits.join('; ')}`) : null,
    h('p', {}, `walletd at ${session.daemonUrl}`),
    h('button', { type: 'button', 'data-action': 'sign-out', onclick: onSignOut }, 'Forget token'));
}

/** The signed-in page: token, wallet list, and the selected wallet's views. */
async function showSession(session: Session): Promise<void> {
  let current: View | null = null;
  const area = h('div', { class: 'wallet-area' });
  const list = h('ul', { class: 'wallets', 'data-testid': 'wallets' });
  const error = errorBox();
  const signOut = () => {
    current?.destroy();
    current = null;
    setLive('idle', 'not connected');
    showSignIn();
  };
  replace(app, tokenPanel(session, signOut), error.el);
  if (!session.can('wallet:read')) {
    app.append(h('p', { class: 'empty' }, 'This token has no wallet:read scope: there is nothing it may show.'));
    return;
  }
  app.append(h('section', { class: 'panel' }, h('h2', {}, 'Wallets'), list), area);
  const open = (id: string) => {
    // The old wallet's feed is stopped before the new one subscribes.
    current?.destroy();
    for (const li of list.querySelectorAll('li')) li.classList.toggle('selected', li.dataset.wallet === id);
    current = walletView(session, id, setLive);
    area.append(current.el);
  };
  try {
    const wallets = await session.http.listWallets();
    replace(list, ...wallets.map((w) => h('li', { 'data-wallet': w.id },
      h('button', { type: 'button', onclick: () => open(w.id) }, w.name),
      ` ${w.id} · ${w.network} · ${w.addressType}${w.watchOnly ? ' · watch-only' : ''}${w.locked ? ' · locked' : ''}`)));
    if (wallets.length === 0) list.append(h('li', {}, 'No wallet is visible to this token.'));
    if (wallets.length === 1) open(wallets[0]!.id);
  } catch (err) {
    error.show(err);
  }
}

/** The sign-in form: daemon URL and a password field for the token. */
function showSignIn(): void {
  const error = errorBox();
  const daemon = h('input', { name: 'daemon', value: daemonFromQuery(), size: 30, autocomplete: 'off' });
  const token = h('input', { name: 'token', type: 'password', size: 60, autocomplete: 'off', placeholder: 'wd_…', 'data-testid': 'token-input' });
  const form = h('form', { class: 'panel', 'data-testid': 'sign-in', onsubmit: (e: Event) => {
    e.preventDefault();
    const secret = token.value.trim();
    // The field is emptied at once: from here the token lives in the session object only.
    token.value = '';
    if (!secret) return error.show(new Error('Paste a token.'));
    signIn(daemon.value.trim(), secret).then(showSession, (err: unknown) => error.show(err));
  } },
    h('h2', {}, 'Connect'),
    h('label', {}, 'walletd URL ', daemon),
    h('label', {}, 'Token ', token),
    h('button', { type: 'submit' }, 'Connect'),
    h('p', { class: 'hint' }, 'The token stays in this page’s memory only; reloading the page forgets it.'),
    error.el);
  replace(app, form);
}

showSignIn();
