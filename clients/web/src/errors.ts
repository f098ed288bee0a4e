/**
 * Turns a failed call into one sentence for a person, chosen by the error's stable `data.code`
 * (README "Error codes"), never by its message and never as raw JSON.
 */
import { isWalletdRpcError } from '@walletd/client';
import { sats } from './dom.ts';

/** What the page shows for an error: the code (for support and tests) and a sentence. */
export interface ShownError {
  code: string;
  text: string;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** One sentence per code the UI can meet; `data` is the error's public detail. */
function sentence(code: string, data: Record<string, unknown>, message: string): string {
  switch (code) {
    case 'SPEND_LIMIT': {
      const max = num(data.max);
      const amount = num(data.amount);
      if (data.limit === 'maxSendPerTx' && max !== null) {
        return `This token may send at most ${sats(max)} per transaction (amount plus fee)${amount !== null ? `; this one needs ${sats(amount)}` : ''}.`;
      }
      if (data.limit === 'maxSendPerDay' && max !== null) {
        const spent = num(data.spent);
        return `This token may send at most ${sats(max)} in 24 hours${spent !== null ? `; ${sats(spent)} already went out` : ''}${amount !== null ? ` and this one needs ${sats(amount)}` : ''}.`;
      }
      return 'This token is not allowed to make this spend.';
    }
    case 'INSUFFICIENT_FUNDS': {
      const needed = num(data.needed);
      const available = num(data.available);
      return needed !== null && available !== null
        ? `Not enough spendable funds: ${sats(needed)} needed, ${sats(available)} available.`
        : 'Not enough spendable funds for this payment.';
    }
    case 'FORBIDDEN_SCOPE':
      return 'This token does not allow that.';
    case 'UNAUTHORIZED':
      return 'walletd does not accept this token: check that it was pasted whole and has not been revoked.';
    case 'TOKEN_EXPIRED':
      return 'This token has expired; ask for a new one.';
    case 'INVALID_ADDRESS':
      return 'That is not a valid address.';
    case 'WRONG_NETWORK':
      return 'That address belongs to another network.';
    case 'DUST_OUTPUT':
      return 'The amount is below the dust limit; send more.';
    case 'FEE_TOO_HIGH':
      return num(data.maxFeeRate) !== null
        ? `The fee rate is above this token's limit of ${String(data.maxFeeRate)} sat/vB.`
        : 'The fee is above the configured maximum.';
    case 'FEE_TOO_LOW':
      return 'The fee rate is below the minimum relay fee.';
    case 'DESTINATION_NOT_ALLOWED':
      return 'This token may not pay that address.';
    case 'WALLET_LOCKED':
      return 'The wallet is locked; unlock it first (walletctl unlock_wallet).';
    case 'WATCH_ONLY':
      return 'This wallet is watch-only and cannot sign.';
    case 'ALREADY_CONFIRMED':
      return 'The transaction is already confirmed; it can no longer be changed.';
    case 'CANNOT_BUMP':
      return 'This transaction can be neither replaced nor bumped.';
    case 'RATE_LIMITED':
      return 'Too many requests; wait a moment and try again.';
    case 'CHAIN_UNAVAILABLE':
      return "walletd cannot reach its chain backend right now; try again later.";
    case 'REQUEST_REFUSED':
      return "walletd refused this page's origin: add it to rpc.allowedOrigins.";
    case 'BROADCAST_REJECTED':
      return `The network rejected the transaction${typeof data.reason === 'string' ? `: ${data.reason}` : ''}.`;
    default:
      return message;
  }
}

/** Describes any thrown value; a fetch that never got an answer is a refused origin or a down daemon. */
export function describeError(err: unknown): ShownError {
  if (isWalletdRpcError(err)) {
    const code = err.data.code ?? `JSON-RPC ${err.code}`;
    return { code, text: sentence(code, err.data, err.message) };
  }
  if (err instanceof TypeError) {
    // The browser hides why a cross-origin request failed; these are the two causes here.
    return { code: 'NETWORK', text: "Cannot reach walletd: it is not running at that URL, or this page's origin is not in its rpc.allowedOrigins." };
  }
  return { code: 'ERROR', text: err instanceof Error ? err.message : String(err) };
}

/**
 * An element showing an error (or nothing): `<p class="error" data-code=…>CODE: sentence</p>`;
 * the UI's own checks (code `ERROR`) show the sentence alone, as there is no code to look up.
 */
export function errorBox(): { el: HTMLElement; show(err: unknown): void; clear(): void } {
  const el = document.createElement('p');
  el.className = 'error';
  el.hidden = true;
  el.setAttribute('role', 'alert');
  return {
    el,
    show(err) {
      const e = describeError(err);
      el.dataset.code = e.code;
      el.textContent = e.code === 'ERROR' ? e.text : `${e.code}: ${e.text}`;
      el.hidden = false;
    },
    clear() {
      delete el.dataset.code;
      el.textContent = '';
      el.hidden = true;
    },
  };
}
