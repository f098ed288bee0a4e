/**
 * Build → sign → finalize round trips for BIP84 (P2WPKH) and BIP86 (P2TR) wallets whose keys
 * are derived here with bip32 directly, plus the signer's refusal to touch foreign inputs.
 */
import { describe, expect, it } from 'vitest';
import type { BIP32Interface } from 'bip32';
import { Transaction, type Psbt } from 'bitcoinjs-lib';
import { selectCoins } from '../../src/wallet/spend/coin-selection.ts';
import { buildPsbt, RBF_SEQUENCE, type WalletInput } from '../../src/wallet/spend/tx-builder.ts';
import { finalizePsbt, psbtFromBase64, signPsbt } from '../../src/wallet/secrets/psbt-signer.ts';
import { network, testWallet, validator } from './tx-fixtures.ts';

const DEST = `0014${'dd'.repeat(20)}`;

describe.each(['p2wpkh', 'p2tr'] as const)('%s round trip', (addressType) => {
  const w = testWallet(addressType);
  const feeRate = 2.5;

  const build = (amount: bigint): { psbt: Psbt; sel: ReturnType<typeof selectCoins<WalletInput>> } => {
    const utxos = [w.coin(0, 120_000n), w.coin(1, 45_000n), w.coin(2, 30_000n, 1)];
    const changeScript = w.scriptAt(1, 7);
    const sel = selectCoins({ utxos, recipients: [{ script: DEST, value: amount }], feeRate, inputType: addressType, changeScript });
    const outputs = [{ script: DEST, value: amount }, ...(sel.change > 0n ? [{ script: changeScript, value: sel.change }] : [])];
    return { psbt: buildPsbt({ ...w.account, inputs: sel.inputs, outputs }), sel };
  };

  it('builds, signs, finalizes and extracts a valid RBF transaction within the estimates', () => {
    const { psbt, sel } = build(150_000n);
    expect(sel.inputs.length).toBeGreaterThan(1);
    const input0 = psbt.data.inputs[0]!;
    if (addressType === 'p2wpkh') expect(input0.bip32Derivation?.[0]?.path).toMatch(/^m\/84'\/1'\/0'\/[01]\/\d+$/);
    else {
      expect(input0.tapBip32Derivation?.[0]?.path).toMatch(/^m\/86'\/1'\/0'\/[01]\/\d+$/);
      expect(input0.tapInternalKey?.length).toBe(32);
    }

    expect(signPsbt(psbt, w.signer)).toEqual({ signed: sel.inputs.length });
    expect(psbt.validateSignaturesOfAllInputs(validator)).toBe(true);
    const { complete, hex: txHex } = finalizePsbt(psbt);
    expect(complete).toBe(true);
    const tx = Transaction.fromHex(txHex!);

    expect(tx.version).toBe(2);
    for (const input of tx.ins) {
      expect(input.sequence).toBe(RBF_SEQUENCE);
      if (addressType === 'p2wpkh') {
        expect(input.witness.length).toBe(2);
        expect(input.witness[0]!.length).toBeLessThanOrEqual(72); // low-R DER + sighash byte
        expect(input.witness[0]!.at(-1)).toBe(Transaction.SIGHASH_ALL);
        expect(input.witness[1]!.length).toBe(33);
      } else {
        expect(input.witness.length).toBe(1);
        expect(input.witness[0]!.length).toBe(64); // SIGHASH_DEFAULT
      }
    }
    const paid = tx.outs.reduce((s, o) => s + o.value, 0n);
    const spent = sel.inputs.reduce((s, i) => s + i.value, 0n);
    expect(spent - paid).toBe(sel.fee);
    expect(tx.virtualSize()).toBeLessThanOrEqual(sel.vsize);
    expect(Number(sel.fee) / tx.virtualSize()).toBeGreaterThanOrEqual(feeRate);
  });

  it('survives a base64 round trip and signs with the same account node twice', () => {
    const first = build(20_000n).psbt;
    signPsbt(first, w.signer);
    const again = psbtFromBase64(build(21_000n).psbt.toBase64(), network);
    expect(signPsbt(again, w.signer).signed).toBeGreaterThan(0);
    expect(again.validateSignaturesOfAllInputs(validator)).toBe(true);
    expect(finalizePsbt(again).complete).toBe(true);
  });

  it("leaves another wallet's PSBT unsigned", () => {
    const other = testWallet(addressType, 9);
    const psbt = buildPsbt({ ...other.account, inputs: [other.coin(0, 50_000n)], outputs: [{ script: DEST, value: 40_000n }] });
    expect(signPsbt(psbt, w.signer)).toEqual({ signed: 0 });
    expect(finalizePsbt(psbt)).toEqual({ complete: false, hex: null });
  });

  it('does not sign when the fingerprint matches but the key does not', () => {
    const other = testWallet(addressType, 9);
    const psbt = buildPsbt({
      ...other.account,
      masterFingerprint: w.signer.masterFingerprint,
      inputs: [other.coin(0, 50_000n)],
      outputs: [{ script: DEST, value: 40_000n }],
    });
    expect(signPsbt(psbt, w.signer).signed).toBe(0);
  });

  it('rejects an input whose script is not its derivation', () => {
    const bad = { ...w.coin(0, 10_000n), script: w.scriptAt(0, 1) };
    expect(() => buildPsbt({ ...w.account, inputs: [bad], outputs: [{ script: DEST, value: 5_000n }] })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMS' }),
    );
  });
});

describe('psbtFromBase64', () => {
  it('rejects garbage with INVALID_PARAMS', () => {
    for (const junk of ['', 'not base64!!', Buffer.from('hello world').toString('base64'), 'cHNidP8BAAAA']) {
      expect(() => psbtFromBase64(junk, network)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS' }));
    }
  });

  it('refuses to sign with a watch-only node', () => {
    const w = testWallet('p2wpkh');
    const psbt = buildPsbt({ ...w.account, inputs: [w.coin(0, 50_000n)], outputs: [{ script: DEST, value: 40_000n }] });
    expect(() => signPsbt(psbt, { ...w.signer, accountNode: w.accountNode.neutered() as BIP32Interface })).toThrow(
      expect.objectContaining({ code: 'WATCH_ONLY' }),
    );
  });
});
