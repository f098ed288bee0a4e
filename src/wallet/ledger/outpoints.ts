/** Outpoints (`txid:vout`) of coins and of the inputs of decoded transactions. */
import type { Transaction } from 'bitcoinjs-lib';
import type { Outpoint } from './ledger-types.ts';

/** Bitcoin's outpoint of input `i` of a decoded tx (the hash is stored reversed). */
export function inputOutpoint(tx: Transaction, i: number): Outpoint {
  const input = tx.ins[i]!;
  return `${Buffer.from(input.hash).reverse().toString('hex')}:${input.index}`;
}

/** Outpoints a transaction spends (none for a coinbase). */
export function prevoutsOf(tx: Transaction): Outpoint[] {
  return tx.isCoinbase() ? [] : tx.ins.map((_, i) => inputOutpoint(tx, i));
}

/** `txid:vout` of a coin. */
export function outpointOf(c: { txid: string; vout: number }): Outpoint {
  return `${c.txid}:${c.vout}`;
}
