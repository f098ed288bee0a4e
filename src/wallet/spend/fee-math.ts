/**
 * Size and fee arithmetic for the transactions walletd builds. Sizes are in weight units
 * internally (BIP-141) and rounded up to virtual bytes once, over the whole transaction.
 * Fee rates are sat/vB numbers (may be fractional); fees are bigint sats, always rounded up.
 */
import { fail } from '../../errors.ts';
import type { AddressType } from '../types.ts';

/** Kinds of input the wallet spends: its own BIP84 or BIP86 outputs. */
export type InputType = AddressType;

/**
 * Worst-case weight of one input, in weight units.
 * P2WPKH: 41 non-witness bytes ×4 = 164, witness 1 (count) + 1+72 (low-R DER sig + sighash) +
 * 1+33 (pubkey) = 108 → 272 WU = 68 vB. The signer grinds for low R, so DER never exceeds 71.
 * P2TR key path: 164 + witness 1 + 1+64 (BIP341 SIGHASH_DEFAULT sig) = 230 WU = 57.5 vB.
 */
export const INPUT_WEIGHT: Readonly<Record<InputType, number>> = { p2wpkh: 272, p2tr: 230 };

/** Hex or bytes of a scriptPubKey, as bytes. */
export function toScriptBytes(script: string | Uint8Array): Uint8Array {
  return typeof script === 'string' ? Uint8Array.from(Buffer.from(script, 'hex')) : script;
}

/** Length in bytes of a Bitcoin CompactSize integer. */
export function varIntSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** Serialized size in bytes of one output paying `script`: 8-byte value + CompactSize + script. */
export function outputSize(script: string | Uint8Array): number {
  const len = toScriptBytes(script).length;
  return 8 + varIntSize(len) + len;
}

/** Estimated weight (WU) of a segwit transaction with these inputs and outputs (BIP-141). */
export function estimateWeight(req: { inputTypes: readonly InputType[]; outputScripts: ReadonlyArray<string | Uint8Array> }): number {
  const { inputTypes, outputScripts } = req;
  // version + locktime, input and output counts; BIP-141 marker and flag count 1 WU each.
  let weight = (4 + 4 + varIntSize(inputTypes.length) + varIntSize(outputScripts.length)) * 4;
  if (inputTypes.length > 0) weight += 2;
  for (const t of inputTypes) weight += INPUT_WEIGHT[t];
  for (const s of outputScripts) weight += outputSize(s) * 4;
  return weight;
}

/** Estimated virtual size (vB, rounded up) of a segwit transaction with these inputs and outputs. */
export function estimateVsize(req: { inputTypes: readonly InputType[]; outputScripts: ReadonlyArray<string | Uint8Array> }): number {
  return Math.ceil(estimateWeight(req) / 4);
}

/** Bitcoin Core's MAX_STANDARD_TX_WEIGHT: a heavier transaction is not relayed (`tx-size`). */
export const MAX_STANDARD_TX_WEIGHT = 400_000;

/** Refuses a transaction over the standard weight before anything is signed, saying by how much. */
export function assertStandardWeight(weight: number, inputs: number): void {
  if (weight <= MAX_STANDARD_TX_WEIGHT) return;
  fail('TX_TOO_LARGE', `Transaction would weigh ${weight} WU with ${inputs} inputs, ${weight - MAX_STANDARD_TX_WEIGHT} WU over the standard ${MAX_STANDARD_TX_WEIGHT}`, {
    weight, maxWeight: MAX_STANDARD_TX_WEIGHT, over: weight - MAX_STANDARD_TX_WEIGHT, inputs,
  });
}

/** A sat/vB fee rate as an integer sat/kvB, rounded up (Bitcoin Core's CFeeRate unit). */
export function toSatPerKvB(feeRate: number): bigint {
  if (!Number.isFinite(feeRate) || feeRate < 0) throw new RangeError('fee rate must be a finite, non-negative number');
  // The small epsilon keeps 1.1 × 1000 = 1100.0000000000002 from rounding up to 1101.
  return BigInt(Math.ceil(feeRate * 1000 - 1e-6));
}

/** Fee in sats for `vsize` vB at `feeRate` sat/vB, rounded up so the achieved rate is never lower. */
export function feeForVsize(vsize: number, feeRate: number): bigint {
  const perKvB = toSatPerKvB(feeRate);
  const numerator = BigInt(Math.ceil(vsize)) * perKvB;
  return (numerator + 999n) / 1000n;
}

/** True for a witness program scriptPubKey: OP_0..OP_16 then one push of 2..40 bytes (BIP-141). */
export function isWitnessProgram(script: Uint8Array): boolean {
  if (script.length < 4 || script.length > 42) return false;
  const version = script[0]!;
  if (version !== 0x00 && (version < 0x51 || version > 0x60)) return false;
  return script[1]! + 2 === script.length;
}

/**
 * Smallest output value the node relays for `script`, as Bitcoin Core's GetDustThreshold:
 * the cost, at the dust relay fee, of the output plus the input that would spend it.
 * P2WPKH 294 and P2TR 330 sats at the default 3 sat/vB; OP_RETURN outputs are never dust.
 */
export function dustThreshold(script: string | Uint8Array, dustRelayFeeRate = 3): bigint {
  const bytes = toScriptBytes(script);
  if (bytes[0] === 0x6a) return 0n;
  let size = outputSize(bytes);
  // Spending input: outpoint 36 + scriptSig length 1 + sequence 4, plus the witness (107 bytes
  // of a P2WPKH sig+pubkey) discounted 4× for witness programs, undiscounted for legacy ones.
  size += isWitnessProgram(bytes) ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return feeForVsize(size, dustRelayFeeRate);
}
