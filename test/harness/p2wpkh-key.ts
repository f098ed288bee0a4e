/**
 * Test-only P2WPKH keys and spends, signed with bitcoinjs-lib + ecpair, so integration tests
 * can prove a transaction valid by having a real node accept it.
 */
import { Psbt, Transaction, payments } from 'bitcoinjs-lib';
import { ECPairFactory, type ECPairInterface } from 'ecpair';
import * as ecc from 'tiny-secp256k1';
import type { NetworkParams } from '../../src/wallet/types.ts';

const ECPair = ECPairFactory(ecc);

/** A random key with its P2WPKH scriptPubKey (hex) and bech32 address on `network`. */
export interface TestKey {
  key: ECPairInterface;
  script: string;
  address: string;
}

/** Makes a fresh random P2WPKH key (BIP-141 v0 keyhash program). */
export function randomP2wpkh(network: NetworkParams): TestKey {
  const key = ECPair.makeRandom({ network });
  const pay = payments.p2wpkh({ pubkey: key.publicKey, network });
  if (!pay.output || !pay.address) throw new Error('p2wpkh derivation failed');
  return { key, script: Buffer.from(pay.output).toString('hex'), address: pay.address };
}

/** Signs a 1-in-1-out spend of `prev` (owned by `from`) paying `value - fee` to `toScript`. */
export function signSpend(opts: {
  from: TestKey;
  prev: { txid: string; vout: number; value: bigint };
  toScript: string;
  fee: bigint;
  network: NetworkParams;
}): { hex: string; txid: string } {
  const psbt = new Psbt({ network: opts.network });
  psbt.addInput({
    hash: opts.prev.txid,
    index: opts.prev.vout,
    witnessUtxo: { script: Buffer.from(opts.from.script, 'hex'), value: opts.prev.value },
  });
  psbt.addOutput({ script: Buffer.from(opts.toScript, 'hex'), value: opts.prev.value - opts.fee });
  psbt.signInput(0, opts.from.key);
  psbt.finalizeAllInputs();
  const tx = psbt.extractTransaction();
  return { hex: tx.toHex(), txid: tx.getId() };
}

/** Changes output 0's amount of a signed tx, which invalidates its signature. */
export function tamper(hex: string): string {
  const tx = Transaction.fromHex(hex);
  const out = tx.outs[0];
  if (!out) throw new Error('tx has no outputs');
  out.value -= 1n;
  return tx.toHex();
}

/** The vout of `txid`'s output paying `script`, via the node's verbose transaction. */
export function voutPaying(tx: { vout: Array<{ n: number; scriptPubKey: { hex: string } }> }, script: string): number {
  const out = tx.vout.find((o) => o.scriptPubKey.hex === script);
  if (!out) throw new Error(`no output pays ${script}`);
  return out.n;
}
