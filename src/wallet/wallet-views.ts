/**
 * Read models computed from stored transactions and outputs: balances, coins and history.
 * Pure functions, so the rules for "what counts as money" live in one place.
 */
import { Transaction } from 'bitcoinjs-lib';
import type { Balance, TxHistoryEntry, UnspentOutput } from './wallet-api.ts';
import type { OutputLease, WalletOutput, WalletTx } from './types.ts';

/** Statuses whose outputs exist (a replaced or conflicted tx's outputs never will). */
const LIVE = new Set(['pending', 'confirmed']);

/** Confirmations of something mined at `height` when the tip is `tipHeight`. */
export function confirmations(height: number | null, tipHeight: number | null): number {
  return height === null || tipHeight === null ? 0 : Math.max(0, tipHeight - height + 1);
}

/**
 * Outputs the wallet can count as its own right now: created by a live tx, and not spent by a
 * live tx (a spend by a replaced or conflicted tx does not count; the coin is back).
 */
export function unspentOutputs(outputs: WalletOutput[], txs: Map<string, WalletTx>): WalletOutput[] {
  return outputs.filter((o) => {
    const creator = txs.get(o.txid);
    if (!creator || !LIVE.has(creator.status)) return false;
    if (o.spentBy === null) return true;
    const spender = txs.get(o.spentBy);
    return !spender || !LIVE.has(spender.status);
  });
}

/** Confirmed, unconfirmed and total sats of the given unspent outputs. */
export function balanceOf(unspent: WalletOutput[]): Balance {
  let confirmed = 0n;
  let unconfirmed = 0n;
  for (const o of unspent) {
    if (o.blockHeight === null) unconfirmed += o.value;
    else confirmed += o.value;
  }
  return { confirmed: Number(confirmed), unconfirmed: Number(unconfirmed), total: Number(confirmed + unconfirmed) };
}

/** Wire view of coins, with their lease expiry. */
export function coinViews(
  unspent: WalletOutput[],
  leases: OutputLease[],
  tipHeight: number | null,
  minConf: number,
): UnspentOutput[] {
  const leaseBy = new Map(leases.map((l) => [`${l.txid}:${l.vout}`, l.expiresAt]));
  return unspent
    .map((o) => ({
      txid: o.txid,
      vout: o.vout,
      value: Number(o.value),
      address: o.address,
      confirmations: confirmations(o.blockHeight, tipHeight),
      lockedUntil: leaseBy.has(`${o.txid}:${o.vout}`) ? Math.floor(leaseBy.get(`${o.txid}:${o.vout}`)! / 1000) : null,
    }))
    .filter((c) => c.confirmations >= minConf);
}

/** Bitcoin's txid of input `i` of a decoded tx (reversed hash). */
export function inputOutpoint(tx: Transaction, i: number): string {
  const input = tx.ins[i]!;
  return `${Buffer.from(input.hash).reverse().toString('hex')}:${input.index}`;
}

/**
 * One history entry: the wallet's net gain or loss, and the fee when the wallet funded every
 * input (otherwise it cannot know the input values).
 */
export function historyEntry(
  tx: WalletTx,
  ownOutputs: Map<string, WalletOutput>,
  tipHeight: number | null,
): TxHistoryEntry {
  const decoded = Transaction.fromHex(tx.hex);
  let spent = 0n;
  let ownInputs = 0;
  decoded.ins.forEach((_, i) => {
    const coin = ownOutputs.get(inputOutpoint(decoded, i));
    if (coin) {
      spent += coin.value;
      ownInputs += 1;
    }
  });
  let received = 0n;
  let totalOut = 0n;
  decoded.outs.forEach((out, vout) => {
    totalOut += out.value;
    if (ownOutputs.has(`${tx.txid}:${vout}`)) received += out.value;
  });
  const fee = ownInputs === decoded.ins.length && ownInputs > 0 ? spent - totalOut : null;
  const net = received - spent;
  const direction = ownInputs === 0 ? 'incoming' : received === totalOut ? 'self' : 'outgoing';
  return {
    txid: tx.txid,
    direction,
    amount: Number(net),
    fee: fee === null ? null : Number(fee),
    confirmations: confirmations(tx.blockHeight, tipHeight),
    blockHeight: tx.blockHeight,
    status: tx.status,
    replacedBy: tx.replacedBy,
    time: tx.blockTime ?? Math.floor(tx.firstSeen / 1000),
  };
}
