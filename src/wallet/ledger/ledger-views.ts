/**
 * Wire views of ledger records: coins, history entries and tx status. Pure: callers load the
 * few rows a view needs (a page of history and its coins) with indexed reads.
 */
import { Transaction } from 'bitcoinjs-lib';
import type { TxInputView, TxOutputView, TxStatusInfo, TxSummary, UnspentOutput } from '../wallet-api.ts';
import { confirmations, isSpendable } from './coin-state.ts';
import { inputOutpoint } from './outpoints.ts';
import type { LedgerCoin, LedgerTx, Outpoint } from './ledger-types.ts';

/** One coin of get_unspent_outputs. */
export function coinView(c: LedgerCoin, o: { tipHeight: number | null; leasedUntil: number | null; spendZeroConfChange: boolean }): UnspentOutput {
  return {
    txid: c.txid, vout: c.vout, value: Number(c.value), address: c.address,
    confirmations: confirmations(c.blockHeight, o.tipHeight), coinbase: c.coinbase, trusted: c.trusted,
    spendable: isSpendable(c, o.spendZeroConfChange) && o.leasedUntil === null,
    lockedUntil: o.leasedUntil === null ? null : Math.floor(o.leasedUntil / 1000),
  };
}

/** get_tx_status of a ledger transaction. */
export function txStatusView(tx: LedgerTx, tipHeight: number | null): TxStatusInfo {
  return {
    txid: tx.txid, status: tx.status, confirmations: confirmations(tx.blockHeight, tipHeight),
    blockHeight: tx.blockHeight, blockHash: tx.blockHash, replacedBy: tx.replacedBy, conflictedBy: tx.conflictedBy,
  };
}

/**
 * One history entry: the wallet's net gain or loss, and the fee when the wallet funded every
 * input (otherwise it cannot know the input values). `coins` holds the wallet's coins that the
 * tx creates or spends.
 */
export function historyEntry(
  tx: LedgerTx,
  coins: ReadonlyMap<Outpoint, LedgerCoin>,
  tipHeight: number | null,
  decoded: Transaction = Transaction.fromHex(tx.hex),
): TxSummary {
  let spent = 0n;
  let ownInputs = 0;
  if (!decoded.isCoinbase()) {
    decoded.ins.forEach((_, i) => {
      const coin = coins.get(inputOutpoint(decoded, i));
      if (coin) {
        spent += coin.value;
        ownInputs += 1;
      }
    });
  }
  let received = 0n;
  let totalOut = 0n;
  decoded.outs.forEach((out, vout) => {
    totalOut += out.value;
    if (coins.has(`${tx.txid}:${vout}`)) received += out.value;
  });
  const fee = ownInputs === decoded.ins.length && ownInputs > 0 ? spent - totalOut : null;
  const direction = ownInputs === 0 ? 'incoming' : received === totalOut ? 'self' : 'outgoing';
  return {
    txid: tx.txid, direction, amount: Number(received - spent), fee: fee === null ? null : Number(fee),
    confirmations: confirmations(tx.blockHeight, tipHeight), blockHeight: tx.blockHeight, status: tx.status,
    replacedBy: tx.replacedBy, conflictedBy: tx.conflictedBy, coinbase: tx.coinbase,
    time: tx.blockTime ?? Math.floor(tx.firstSeen / 1000),
  };
}

/** Labels a view needs: by output (`txid:vout`) and by address. */
export interface OutputLabels {
  outputs: ReadonlyMap<Outpoint, string>;
  addresses: ReadonlyMap<string, string>;
}

/**
 * Every output of a decoded wallet transaction. `addressOf` renders a script (null when it has no
 * address form); the wallet's own outputs take the address from their coin instead.
 */
export function outputViews(
  txid: string,
  decoded: Transaction,
  coins: ReadonlyMap<Outpoint, LedgerCoin>,
  labels: OutputLabels,
  addressOf: (script: Uint8Array) => string | null,
): TxOutputView[] {
  return decoded.outs.map((out, vout) => {
    const coin = coins.get(`${txid}:${vout}`);
    const address = coin?.address ?? addressOf(out.script);
    const label = labels.outputs.get(`${txid}:${vout}`) ?? (address === null ? undefined : labels.addresses.get(address));
    return { vout, address, amount: Number(out.value), mine: coin !== undefined, change: coin?.chain === 1, label: label ?? null };
  });
}

/** Every input of a decoded transaction, with address and amount when it spends the wallet's coin. */
export function inputViews(decoded: Transaction, coins: ReadonlyMap<Outpoint, LedgerCoin>): TxInputView[] {
  return decoded.ins.map((_, i) => {
    const outpoint = inputOutpoint(decoded, i);
    const coin = decoded.isCoinbase() ? undefined : coins.get(outpoint);
    const at = outpoint.lastIndexOf(':');
    return {
      txid: outpoint.slice(0, at), vout: Number(outpoint.slice(at + 1)),
      address: coin?.address ?? null, amount: coin ? Number(coin.value) : null, mine: coin !== undefined,
    };
  });
}
