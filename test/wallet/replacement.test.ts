/** BIP-125 cancel replacements: same inputs, one output home, and the fee rules 3, 4 and 6. */
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { selectCoins } from '../../src/wallet/spend/coin-selection.ts';
import { buildPsbt } from '../../src/wallet/spend/tx-builder.ts';
import { finalizePsbt, signPsbt } from '../../src/wallet/secrets/psbt-signer.ts';
import { buildCancelReplacement } from '../../src/wallet/spend/replacement.ts';
import { hex, testWallet, validator } from './tx-fixtures.ts';

const DEST = `0014${'dd'.repeat(20)}`;

describe.each(['p2wpkh', 'p2tr'] as const)('%s cancel', (addressType) => {
  const w = testWallet(addressType);
  const changeScript = w.scriptAt(1, 3);

  /** An original send at `feeRate`, signed, with its actual fee and vsize. */
  const original = (feeRate: number) => {
    const utxos = [w.coin(0, 80_000n), w.coin(1, 60_000n)];
    const sel = selectCoins({ utxos, recipients: [{ script: DEST, value: 100_000n }], feeRate, inputType: addressType, changeScript });
    const outputs = [{ script: DEST, value: 100_000n }, ...(sel.change > 0n ? [{ script: changeScript, value: sel.change }] : [])];
    const psbt = buildPsbt({ ...w.account, inputs: sel.inputs, outputs });
    signPsbt(psbt, w.signer);
    const tx = Transaction.fromHex(finalizePsbt(psbt).hex!);
    return { inputs: sel.inputs, fee: sel.fee, vsize: tx.virtualSize(), tx };
  };

  it('spends exactly the original inputs to one change output and meets rules 3, 4 and 6', () => {
    const orig = original(2);
    const res = buildCancelReplacement({ ...w.account, original: orig, changeScript });
    const outpoints = (ins: ReadonlyArray<{ hash: Uint8Array; index: number }>) =>
      ins.map((i) => `${hex(Uint8Array.from(i.hash).reverse())}:${i.index}`).sort();
    expect(outpoints(res.psbt.txInputs)).toEqual(outpoints(orig.tx.ins));
    expect(res.psbt.txOutputs.map((o) => hex(o.script))).toEqual([changeScript]);

    expect(signPsbt(res.psbt, w.signer).signed).toBe(orig.inputs.length);
    expect(res.psbt.validateSignaturesOfAllInputs(validator)).toBe(true);
    const tx = Transaction.fromHex(finalizePsbt(res.psbt).hex!);
    const fee = orig.inputs.reduce((s, i) => s + i.value, 0n) - tx.outs[0]!.value;
    expect(fee).toBe(res.fee);
    expect(tx.virtualSize()).toBeLessThanOrEqual(res.vsize);
    // Rules 3 and 4: original fee plus the replacement's own size at 1 sat/vB.
    expect(fee).toBeGreaterThanOrEqual(orig.fee + BigInt(tx.virtualSize()));
    // Rule 6: a strictly higher feerate, also after Core's truncation to sat/kvB.
    expect((fee * 1000n) / BigInt(tx.virtualSize())).toBeGreaterThan((orig.fee * 1000n) / BigInt(orig.vsize));
  });

  it("keeps the original's nLockTime, as Core's bumpfee does", () => {
    const orig = original(2);
    expect(buildCancelReplacement({ ...w.account, original: orig, changeScript, locktime: 812_345 }).psbt.locktime).toBe(812_345);
  });

  it('pays the requested fee rate when it is higher than the rules demand', () => {
    const orig = original(2);
    const res = buildCancelReplacement({ ...w.account, original: orig, changeScript, feeRate: 40 });
    expect(res.feeRate).toBeGreaterThanOrEqual(40);
    expect(res.fee).toBeGreaterThanOrEqual(BigInt(res.vsize * 40));
  });

  it('honours the incremental relay fee and the minimum relay fee', () => {
    const orig = original(1);
    const lo = buildCancelReplacement({ ...w.account, original: orig, changeScript });
    const hi = buildCancelReplacement({ ...w.account, original: orig, changeScript, incrementalRelayFeeRate: 10 });
    expect(hi.fee).toBeGreaterThanOrEqual(orig.fee + BigInt(hi.vsize * 10));
    expect(hi.fee).toBeGreaterThan(lo.fee);
    const floor = buildCancelReplacement({ ...w.account, original: orig, changeScript, minRelayFeeRate: 25 });
    expect(floor.fee).toBeGreaterThanOrEqual(BigInt(floor.vsize * 25));
  });

  it('pays the fees of the descendants it evicts (rule 3), plus its own size (rule 4)', () => {
    const orig = original(1);
    const res = buildCancelReplacement({ ...w.account, original: { ...orig, evictedFees: orig.fee + 30_000n }, changeScript });
    expect(res.fee).toBe(orig.fee + 30_000n + BigInt(res.vsize));
    // Fewer evicted fees than the original's own never lower the bar.
    const low = buildCancelReplacement({ ...w.account, original: { ...orig, evictedFees: 0n }, changeScript });
    expect(low.fee).toBe(buildCancelReplacement({ ...w.account, original: orig, changeScript }).fee);
  });

  it('fails INSUFFICIENT_FUNDS when the inputs cannot pay the new fee', () => {
    const orig = original(2);
    expect(() => buildCancelReplacement({ ...w.account, original: orig, changeScript, feeRate: 2_000 })).toThrow(
      expect.objectContaining({ code: 'INSUFFICIENT_FUNDS' }),
    );
  });
});
