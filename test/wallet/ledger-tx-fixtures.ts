/** Real transactions for the ledger's unit tests, built with bitcoinjs-lib. */
import { randomBytes } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';

/** A transaction spending `inputs` (`txid:vout`; none = coinbase) and paying `outputs`. */
export function tx(inputs: string[], outputs: Array<[Buffer, number]>): { txid: string; hex: string } {
  const t = new Transaction();
  if (inputs.length === 0) t.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, randomBytes(8));
  for (const op of inputs) {
    const [id, vout] = op.split(':');
    t.addInput(Buffer.from(id!, 'hex').reverse(), Number(vout));
  }
  for (const [script, value] of outputs) t.addOutput(script, BigInt(value));
  return { txid: t.getId(), hex: t.toHex() };
}

/** An outpoint of nobody the wallet knows. */
export const foreignOutpoint = () => `${randomBytes(32).toString('hex')}:0`;
