/**
 * The cached BIP-143 / BIP-341 digests equal bitcoinjs-lib's per-call ones for every input, and
 * the BIP-341 wallet vectors' key-path sighashes (SIGHASH_DEFAULT and ALL).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crypto, Transaction } from 'bitcoinjs-lib';
import { SighashCache } from '../../src/wallet/secrets/sighash.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

/** A transaction with `n` inputs and three outputs of assorted script sizes. */
function sampleTx(n: number) {
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = 654_321;
  const prevouts = Array.from({ length: n }, (_, i) => ({
    script: i % 2 ? bytes(`5120${hex(crypto.sha256(Buffer.from(`k${i}`)))}`) : bytes(`0014${hex(crypto.hash160(Buffer.from(`k${i}`)))}`),
    value: 1_000n + BigInt(i) * 7_919n,
  }));
  for (let i = 0; i < n; i++) tx.addInput(crypto.sha256(Buffer.from(`tx${i}`)), i % 5, 0xfffffffd - (i % 3));
  tx.addOutput(bytes(`0014${'11'.repeat(20)}`), 5_000n);
  tx.addOutput(bytes(`5120${'22'.repeat(32)}`), 6_000n);
  tx.addOutput(new Uint8Array(300).fill(0x6a), 0n);
  return { tx, prevouts };
}

describe('SighashCache', () => {
  it('BIP-143 SIGHASH_ALL equals Transaction.hashForWitnessV0 for every input', () => {
    const { tx, prevouts } = sampleTx(7);
    const cache = new SighashCache(tx);
    tx.ins.forEach((_, i) => {
      const scriptCode = bytes(`76a914${hex(crypto.hash160(Buffer.from(`k${i}`)))}88ac`);
      expect(hex(cache.witnessV0All(i, scriptCode, prevouts[i]!.value))).toBe(
        hex(tx.hashForWitnessV0(i, scriptCode, prevouts[i]!.value, Transaction.SIGHASH_ALL)),
      );
    });
  });

  it('BIP-341 key path equals Transaction.hashForWitnessV1 for SIGHASH_DEFAULT and ALL', () => {
    const { tx, prevouts } = sampleTx(6);
    const cache = new SighashCache(tx);
    const scripts = prevouts.map((p) => p.script);
    const values = prevouts.map((p) => p.value);
    for (const type of [0, 1] as const) {
      tx.ins.forEach((_, i) => {
        expect(hex(cache.taprootKeyPath(i, prevouts, type))).toBe(hex(tx.hashForWitnessV1(i, scripts, values, type)));
      });
    }
    expect(() => cache.taprootKeyPath(0, [...prevouts], 0)).toThrow(/same prevouts/);
  });

  it('matches the BIP-341 wallet vectors for their SIGHASH_DEFAULT and ALL key-path inputs', () => {
    const vectors = JSON.parse(readFileSync(new URL('../vectors/bip341-wallet-test-vectors.json', import.meta.url), 'utf8'));
    const kp = vectors.keyPathSpending[0];
    const tx = Transaction.fromHex(kp.given.rawUnsignedTx);
    const prevouts = kp.given.utxosSpent.map((u: { scriptPubKey: string; amountSats: number }) => ({
      script: bytes(u.scriptPubKey), value: BigInt(u.amountSats),
    }));
    const cache = new SighashCache(tx);
    const covered = kp.inputSpending.filter((s: { given: { hashType: number } }) => s.given.hashType <= 1);
    expect(covered.length).toBeGreaterThan(0);
    for (const s of covered) {
      expect(hex(cache.taprootKeyPath(s.given.txinIndex, prevouts, s.given.hashType))).toBe(s.intermediary.sigHash);
    }
  });
});
