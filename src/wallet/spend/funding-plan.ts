/**
 * The shape of a send before anything is leased or signed: which coins, what each recipient
 * gets, the change and the fee. Pure. Covers automatic selection, coin control (`inputs`),
 * Core's subtract-fee-from-outputs, and the changeless sweep of send_all; every plan is held to
 * the standard weight here, so a too-large send is refused in milliseconds.
 */
import { fail } from '../../errors.ts';
import { selectCoins, type Utxo } from './coin-selection.ts';
import { assertStandardWeight, dustThreshold, estimateVsize, estimateWeight, feeForVsize, type InputType } from './fee-math.ts';

/** A destination, already validated into its script. */
export interface PlanRecipient {
  script: string;
  value: bigint;
}

/** What to pay and how. */
export interface PlanRequest<U extends Utxo> {
  /** Candidate coins; with `fixed` every one of them is spent. */
  coins: readonly U[];
  fixed: boolean;
  recipients: readonly PlanRecipient[];
  /** Indexes of recipients that pay the fee (empty: the wallet pays it on top). */
  subtractFeeFrom: readonly number[];
  feeRate: number;
  inputType: InputType;
  changeScript: string;
}

/** A funded transaction, unsigned and unordered (the change goes in at build time). */
export interface FundingPlan<U extends Utxo> {
  inputs: U[];
  /** Each recipient's value, after its share of the fee when it pays one. */
  values: bigint[];
  /** 0n when there is no change output. */
  change: bigint;
  fee: bigint;
  vsize: number;
}

const sum = (xs: readonly bigint[]) => xs.reduce((s, x) => s + x, 0n);

/** Plans a payment to `recipients`; INSUFFICIENT_FUNDS, DUST_OUTPUT or TX_TOO_LARGE when it cannot be made. */
export function planPayment<U extends Utxo>(req: PlanRequest<U>): FundingPlan<U> {
  const { recipients, inputType, changeScript, feeRate } = req;
  const total = sum(recipients.map((r) => r.value));
  const pay = recipients.map((r) => r.script);
  if (req.subtractFeeFrom.length === 0 && !req.fixed) {
    const s = selectCoins({ utxos: req.coins, recipients, feeRate, inputType, changeScript });
    return { inputs: s.inputs, values: recipients.map((r) => r.value), change: s.change, fee: s.fee, vsize: s.vsize };
  }
  // Coin control spends every named coin; subtract-fee needs only the amount itself, as the
  // fee comes out of the outputs (Core also skips branch-and-bound then): largest first.
  const pool = req.fixed ? [...req.coins] : [...req.coins].sort((a, b) => (a.value === b.value ? 0 : a.value > b.value ? -1 : 1));
  const inputs: U[] = [];
  let have = 0n;
  for (const coin of pool) {
    if (!req.fixed && have >= total && inputs.length > 0) break;
    inputs.push(coin);
    have += coin.value;
  }
  const feeFor = (scripts: readonly string[]) =>
    feeForVsize(estimateVsize({ inputTypes: inputs.map(() => inputType), outputScripts: scripts }), feeRate);
  const changeDust = dustThreshold(changeScript);
  const withChange = [...pay, changeScript];
  let values = recipients.map((r) => r.value);
  let change: bigint;
  let fee: bigint;
  if (req.subtractFeeFrom.length === 0) {
    fee = feeFor(withChange);
    change = have - total - fee;
    if (change < changeDust) {
      // Dust change is dropped and its value goes to the fee, as in Core.
      change = 0n;
      fee = have - total;
      if (fee < feeFor(pay)) fail('INSUFFICIENT_FUNDS', 'the named inputs cannot pay the amount and the fee', { needed: Number(total + feeFor(pay)), available: Number(have) });
    }
  } else {
    if (have < total) fail('INSUFFICIENT_FUNDS', undefined, { needed: Number(total), available: Number(have) });
    change = have - total;
    fee = feeFor(withChange);
    if (change < changeDust) {
      change = 0n;
      fee = feeFor(pay);
    }
    values = subtractFee(values, req.subtractFeeFrom, fee - (have - total - change), recipients.map((r) => r.script));
  }
  const scripts = change > 0n ? withChange : pay;
  assertStandardWeight(estimateWeight({ inputTypes: inputs.map(() => inputType), outputScripts: scripts }), inputs.length);
  return { inputs, values, change, fee, vsize: estimateVsize({ inputTypes: inputs.map(() => inputType), outputScripts: scripts }) };
}

/**
 * Core's subtractfeefrom: `toReduce` split evenly over the named outputs, the first of them also
 * paying the remainder. It is negative when a dropped dust change went to the recipients.
 */
function subtractFee(values: bigint[], from: readonly number[], toReduce: bigint, scripts: readonly string[]): bigint[] {
  const share = toReduce / BigInt(from.length);
  const out = [...values];
  from.forEach((i, k) => {
    out[i] = out[i]! - share - (k === 0 ? toReduce % BigInt(from.length) : 0n);
    const dust = dustThreshold(scripts[i]!);
    if (out[i]! < dust) fail('DUST_OUTPUT', 'paying its share of the fee leaves this output below the dust limit', { field: `outputs/${i}/amount`, amount: Number(out[i]), dustLimit: Number(dust) });
  });
  return out;
}

/** Plans send_all: every coin in `coins` to `script`, no change; DUST_OUTPUT when nothing worth sending is left. */
export function planSweep<U extends Utxo>(req: { coins: readonly U[]; script: string; feeRate: number; inputType: InputType }): FundingPlan<U> {
  if (req.coins.length === 0) fail('INSUFFICIENT_FUNDS', 'the wallet has no spendable coins', { needed: 1, available: 0 });
  const inputs = [...req.coins];
  const size = { inputTypes: inputs.map(() => req.inputType), outputScripts: [req.script] };
  assertStandardWeight(estimateWeight(size), inputs.length);
  const vsize = estimateVsize(size);
  const fee = feeForVsize(vsize, req.feeRate);
  const value = sum(inputs.map((c) => c.value)) - fee;
  const dust = dustThreshold(req.script);
  if (value < dust) fail('DUST_OUTPUT', 'after the fee, the sweep would leave a dust output', { amount: Number(value), fee: Number(fee), dustLimit: Number(dust) });
  return { inputs, values: [value], change: 0n, fee, vsize };
}
