/**
 * Where a send's fee rate comes from, and the caps every fee is held to (SPEC §5, §7). The rate
 * is never made up silently: a missing estimate fails unless a fallback was configured, and
 * every result names its source.
 */
import { Transaction, type Psbt } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import type { ChainBackend } from '../ports.ts';
import type { WalletSettings } from '../settings.ts';
import type { FeeChoice, FeeSource } from '../wallet-api.ts';

/** A fee rate in sat/vB and where it came from. */
export interface ResolvedFeeRate {
  feeRate: number;
  feeSource: FeeSource;
}

/**
 * The request's explicit rate, else the backend's estimate for `confTarget` (default
 * `fees.defaultConfTarget`), else `fees.fallbackFeeRate` when configured; FEE_ESTIMATE_UNAVAILABLE
 * otherwise (Core's "Fee estimation failed. Fallbackfee is disabled"). An estimate or fallback
 * below the node's relay floor is raised to it; an explicit rate below it is refused.
 */
export async function resolveFeeRate(req: FeeChoice, chain: ChainBackend | null, settings: WalletSettings): Promise<ResolvedFeeRate> {
  let feeRate = req.feeRate;
  let feeSource: FeeSource = 'explicit';
  if (feeRate === undefined) {
    const confTarget = req.confTarget ?? settings.defaultConfTarget;
    const estimate = chain ? await chain.estimateFeeRate(confTarget) : null;
    if (estimate !== null) {
      feeRate = estimate;
      feeSource = 'estimate';
    } else if (settings.fallbackFeeRate !== null) {
      feeRate = settings.fallbackFeeRate;
      feeSource = 'fallback';
    } else {
      fail('FEE_ESTIMATE_UNAVAILABLE', undefined, { confTarget });
    }
  }
  if (chain) {
    const minRelay = await chain.getMinRelayFeeRate();
    if (feeRate < minRelay) {
      if (feeSource === 'explicit') fail('FEE_TOO_LOW', undefined, { feeRate, minRelayFeeRate: minRelay });
      feeRate = minRelay;
    }
  }
  // Checked last, so raising an estimate to the relay floor can never slip past the cap.
  if (feeRate > settings.maxFeeRate) fail('FEE_TOO_HIGH', undefined, { feeRate, maxFeeRate: settings.maxFeeRate });
  return { feeRate, feeSource };
}

/**
 * The caps on a replacement or a CPFP child (bump_fee, cancel_transaction): both the fee and the
 * rate it achieves, since the caller asked for the rate and the descendants' fees lift the fee.
 */
export function checkReplacementFeeCaps(built: { fee: bigint; feeRate: number }, settings: Pick<WalletSettings, 'maxFeeSats' | 'maxFeeRate'>): void {
  if (built.fee > BigInt(settings.maxFeeSats) || built.feeRate > settings.maxFeeRate) {
    fail('FEE_TOO_HIGH', undefined, {
      fee: Number(built.fee), feeRate: built.feeRate, maxFeeSats: settings.maxFeeSats, maxFeeRate: settings.maxFeeRate,
    });
  }
}

/**
 * The absolute caps on a built transaction: `fees.maxFeeSats`, and a fee above the amount it
 * sends only with `allowHighFee` (a fat-finger guard). The rate was capped when it was chosen;
 * rounding and dropped dust change may lift the achieved rate a hair above it, which is fine.
 */
export function checkFeeCaps(plan: { fee: bigint; amount: bigint }, settings: Pick<WalletSettings, 'maxFeeSats'>, allowHighFee: boolean): void {
  if (plan.fee > BigInt(settings.maxFeeSats)) fail('FEE_TOO_HIGH', undefined, { fee: Number(plan.fee), maxFeeSats: settings.maxFeeSats });
  if (!allowHighFee && plan.fee > plan.amount) {
    fail('FEE_TOO_HIGH', 'The fee is larger than the amount sent; pass allowHighFee: true to pay it', {
      fee: Number(plan.fee), amount: Number(plan.amount), allowHighFee: false,
    });
  }
}

/**
 * A caller's PSBT is held to the same caps as the wallet's own drafts (SPEC §7): when every
 * input's value is known, its fee must stay under maxFeeSats and, once final, maxFeeRate.
 * The signatures are discarded with the error.
 */
export function checkPsbtFeeCaps(psbt: Psbt, hex: string | null, settings: Pick<WalletSettings, 'maxFeeSats' | 'maxFeeRate'>): void {
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
