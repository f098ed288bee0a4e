/**
 * BIP-125 cancel: a replacement that spends exactly the original's wallet inputs to one change
 * output, paying enough that a node accepts it in place of the original.
 */
import type { Psbt } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import { dustThreshold, estimateVsize, feeForVsize } from './fee-math.ts';
import { buildPsbt, type AccountInfo, type WalletInput } from './tx-builder.ts';

/** The transaction to cancel, and how much more to pay. */
export interface CancelRequest extends AccountInfo {
  original: {
    /** The original's inputs; all must be the wallet's own. */
    inputs: readonly WalletInput[];
    /** Absolute fee the original paid, in sats. */
    fee: bigint;
    /** Actual vsize of the original. */
    vsize: number;
    /**
     * Fees of everything the replacement evicts: the original and its mempool descendants
     * (BIP125 rule 3). Defaults to `fee`, the original alone.
     */
    evictedFees?: bigint;
  };
  /** Hex scriptPubKey the whole value returns to. */
  changeScript: string;
  /** The original's nLockTime, kept as Bitcoin Core's bumpfee keeps it (a replacement must not stand out). */
  locktime?: number;
  /** Requested sat/vB; used when higher than what the rules demand. */
  feeRate?: number;
  /** sat/vB; Bitcoin Core's default -incrementalrelayfee is 1. */
  incrementalRelayFeeRate?: number;
  /** sat/vB; the node's minimum relay fee rate. */
  minRelayFeeRate?: number;
  /** sat/vB used for the dust rule on the change output. */
  dustRelayFeeRate?: number;
}

/** The unsigned replacement and the fee it pays. */
export interface CancelResult {
  psbt: Psbt;
  fee: bigint;
  /** sat/vB over the estimated vsize. */
  feeRate: number;
  vsize: number;
}

/**
 * Smallest fee that satisfies BIP-125 rules 3, 4 and 6 for a replacement of `vsize` vB, where
 * `evictedFees` is what the original and its descendants pay together (default: the original).
 */
export function minReplacementFee(
  original: { fee: bigint; vsize: number }, vsize: number, incrementalRelayFeeRate = 1, evictedFees = original.fee,
): bigint {
  // Rules 3 and 4: pay at least the absolute fees of every tx it evicts (the original and its
  // descendants), plus its own bandwidth at the incremental relay fee rate.
  const evicted = evictedFees > original.fee ? evictedFees : original.fee;
  const rule4 = evicted + feeForVsize(vsize, incrementalRelayFeeRate);
  // Rule 6: a strictly higher feerate. Bitcoin Core compares CFeeRate values, which truncate to
  // sat/kvB, so require the truncated new rate to beat the truncated old one by at least 1.
  const origPerKvB = (original.fee * 1000n) / BigInt(original.vsize);
  const v = BigInt(vsize);
  const rule6 = ((origPerKvB + 1n) * v + 999n) / 1000n;
  return rule4 > rule6 ? rule4 : rule6;
}

/** Builds the unsigned cancel PSBT; INSUFFICIENT_FUNDS when the inputs cannot pay the new fee. */
export function buildCancelReplacement(req: CancelRequest): CancelResult {
  const { original } = req;
  if (original.inputs.length === 0) fail('INVALID_PARAMS', 'the original has no wallet inputs');
  if (original.vsize <= 0 || original.fee < 0n) fail('INVALID_PARAMS', 'original fee and vsize are required');
  const vsize = estimateVsize({ inputTypes: original.inputs.map(() => req.addressType), outputScripts: [req.changeScript] });

  const incremental = req.incrementalRelayFeeRate ?? 1;
  if (!Number.isFinite(incremental) || incremental < 0) fail('INVALID_PARAMS', 'fee rates must be non-negative numbers');
  let fee = minReplacementFee(original, vsize, incremental, original.evictedFees);
  for (const rate of [req.feeRate, req.minRelayFeeRate]) {
    if (rate === undefined) continue;
    if (!Number.isFinite(rate) || rate < 0) fail('INVALID_PARAMS', 'fee rates must be non-negative numbers');
    const atRate = feeForVsize(vsize, rate);
    if (atRate > fee) fee = atRate;
  }

  const available = original.inputs.reduce((s, i) => s + i.value, 0n);
  const change = available - fee;
  const dust = dustThreshold(req.changeScript, req.dustRelayFeeRate ?? 3);
  if (change < dust) {
    fail('INSUFFICIENT_FUNDS', 'the inputs cannot pay the replacement fee', {
      needed: Number(fee + dust),
      available: Number(available),
    });
  }
  const psbt = buildPsbt({ ...req, inputs: original.inputs, outputs: [{ script: req.changeScript, value: change }] });
  return { psbt, fee, feeRate: Number(fee) / vsize, vsize };
}
