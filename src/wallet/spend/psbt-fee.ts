/** The fee caps of SPEC §7 applied to a caller's PSBT, which the wallet signs but did not build. */
import { Transaction, type Psbt } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import type { WalletSettings } from '../settings.ts';

/**
 * A caller's PSBT is held to the same caps as the wallet's own drafts (SPEC §7): when every
 * input's value is known, its fee must stay under maxFeeSats and, once final, maxFeeRate.
 * The signatures are discarded with the error.
 */
export function checkPsbtFee(psbt: Psbt, hex: string | null, settings: Pick<WalletSettings, 'maxFeeSats' | 'maxFeeRate'>): void {
  let inputs = 0n;
  for (const [i, input] of psbt.data.inputs.entries()) {
    const prevout = psbt.txInputs[i]!;
    const value = input.witnessUtxo?.value ??
      (input.nonWitnessUtxo ? Transaction.fromBuffer(input.nonWitnessUtxo).outs[prevout.index]?.value : undefined);
    if (value === undefined) return;
    inputs += value;
  }
  const fee = inputs - psbt.txOutputs.reduce((s, o) => s + o.value, 0n);
  if (fee > BigInt(settings.maxFeeSats)) fail('FEE_TOO_HIGH', undefined, { fee: Number(fee), maxFeeSats: settings.maxFeeSats });
  if (hex) {
    const feeRate = Number(fee) / Transaction.fromHex(hex).virtualSize();
    if (feeRate > settings.maxFeeRate) fail('FEE_TOO_HIGH', undefined, { feeRate, maxFeeRate: settings.maxFeeRate });
  }
}
