/**
 * BIP-341 wallet test vectors (test/vectors/bip341-wallet-test-vectors.json, verbatim): the
 * TapTweak we sign with, the scriptPubKeys it yields, the key-path sighashes, and the
 * signatures our BIP-86 PSBT signing path produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ecc from 'tiny-secp256k1';
import { BIP32Factory } from 'bip32';
import { initEccLib, payments, Psbt, Transaction } from 'bitcoinjs-lib';
import { signP2trKeyPathInput, taprootTweak } from '../../src/wallet/secrets/psbt-signer.ts';

initEccLib(ecc);
const bip32 = BIP32Factory(ecc);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

interface ScriptPubKeyVector {
  given: { internalPubkey: string; scriptTree: unknown };
  intermediary: { merkleRoot: string | null; tweak: string; tweakedPubkey: string };
  expected: { scriptPubKey: string };
}
interface InputSpending {
  given: { txinIndex: number; internalPrivkey: string; merkleRoot: string | null; hashType: number };
  intermediary: { internalPubkey: string; tweak: string; tweakedPrivkey: string; sigHash: string };
  expected: { witness: string[] };
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/bip341-wallet-test-vectors.json', import.meta.url), 'utf8')) as {
  scriptPubKey: ScriptPubKeyVector[];
  keyPathSpending: Array<{
    given: { rawUnsignedTx: string; utxosSpent: Array<{ scriptPubKey: string; amountSats: number }> };
    inputSpending: InputSpending[];
  }>;
};
const keyPath = vectors.keyPathSpending[0]!;
const tx = Transaction.fromHex(keyPath.given.rawUnsignedTx);
const prevScripts = keyPath.given.utxosSpent.map((u) => bytes(u.scriptPubKey));
const prevValues = keyPath.given.utxosSpent.map((u) => BigInt(u.amountSats));
const nodeFor = (priv: string) => bip32.fromPrivateKey(bytes(priv), new Uint8Array(32));

describe('BIP-341 scriptPubKey tweaks', () => {
  it.each(vectors.scriptPubKey.map((v, i) => [i, v] as const))('vector %i: tweak and tweaked key', (_i, v) => {
    const internal = bytes(v.given.internalPubkey);
    const root = v.intermediary.merkleRoot ? bytes(v.intermediary.merkleRoot) : undefined;
    const tweak = taprootTweak(internal, root);
    expect(hex(tweak)).toBe(v.intermediary.tweak);
    expect(hex(ecc.xOnlyPointAddTweak(internal, tweak)!.xOnlyPubkey)).toBe(v.intermediary.tweakedPubkey);
  });

  it('BIP-86 style (no script tree) yields the expected P2TR scriptPubKey', () => {
    const keyOnly = vectors.scriptPubKey.filter((v) => v.given.scriptTree === null);
    expect(keyOnly.length).toBeGreaterThan(0);
    for (const v of keyOnly) {
      const out = payments.p2tr({ internalPubkey: bytes(v.given.internalPubkey) }).output!;
      expect(hex(out)).toBe(v.expected.scriptPubKey);
    }
  });
});

describe('BIP-341 key-path spending', () => {
  it.each(keyPath.inputSpending.map((s) => [s.given.txinIndex, s] as const))('input %i: sighash, tweaked key, signature', (_i, s) => {
    const { txinIndex, hashType, merkleRoot } = s.given;
    const sighash = tx.hashForWitnessV1(txinIndex, prevScripts, prevValues, hashType);
    expect(hex(sighash)).toBe(s.intermediary.sigHash);

    const node = nodeFor(s.given.internalPrivkey);
    expect(hex(node.publicKey.subarray(1))).toBe(s.intermediary.internalPubkey);
    const tweak = taprootTweak(node.publicKey.subarray(1), merkleRoot ? bytes(merkleRoot) : undefined);
    expect(hex(tweak)).toBe(s.intermediary.tweak);
    const tweaked = node.tweak(tweak) as unknown as { privateKey: Uint8Array; signSchnorr(h: Uint8Array): Uint8Array };
    expect(hex(tweaked.privateKey)).toBe(s.intermediary.tweakedPrivkey);
    // BIP-341: a 64-byte signature for SIGHASH_DEFAULT, else the hash type byte is appended.
    const sig = hex(tweaked.signSchnorr(sighash)) + (hashType === 0 ? '' : hashType.toString(16).padStart(2, '0'));
    expect([sig]).toEqual(s.expected.witness);
  });

  it('the PSBT signing path (BIP-86 tweak, no merkle root) reproduces the vector witness', () => {
    const keyOnly = keyPath.inputSpending.filter((s) => s.given.merkleRoot === null);
    expect(keyOnly.length).toBeGreaterThan(0);
    for (const s of keyOnly) {
      const psbt = new Psbt();
      psbt.setVersion(tx.version);
      psbt.setLocktime(tx.locktime);
      tx.ins.forEach((input, i) =>
        psbt.addInput({
          hash: input.hash,
          index: input.index,
          sequence: input.sequence,
          witnessUtxo: { script: prevScripts[i]!, value: prevValues[i]! },
        }),
      );
      for (const output of tx.outs) psbt.addOutput({ script: output.script, value: output.value });
      // BIP-174: a non-default sighash type is requested through the input's sighashType field.
      psbt.updateInput(s.given.txinIndex, { tapInternalKey: bytes(s.intermediary.internalPubkey), sighashType: s.given.hashType });
      signP2trKeyPathInput(psbt, s.given.txinIndex, nodeFor(s.given.internalPrivkey), s.given.hashType);
      const tapKeySig = psbt.data.inputs[s.given.txinIndex]!.tapKeySig!;
      expect([hex(tapKeySig)]).toEqual(s.expected.witness);
    }
  });
});
