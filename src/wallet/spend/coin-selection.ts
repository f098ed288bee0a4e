/**
 * Coin selection: branch-and-bound for a changeless match (as Bitcoin Core's SelectCoinsBnB),
 * falling back to largest-first accumulation with a change output. Pure and deterministic:
 * the same request always selects the same coins in the same order.
 */
import { fail } from '../../errors.ts';
import {
  assertStandardWeight, dustThreshold, estimateVsize, estimateWeight, feeForVsize, INPUT_WEIGHT, MAX_STANDARD_TX_WEIGHT, outputSize, type InputType,
} from './fee-math.ts';

/** A spendable coin; callers may pass richer objects (e.g. with chain/index) and get them back. */
export interface Utxo {
  txid: string;
  vout: number;
  value: bigint;
  /** Hex scriptPubKey. */
  script: string;
}

/** One payment output. */
export interface SelectionRecipient {
  script: Uint8Array | string;
  value: bigint;
}

/** What to pay, from which coins, at which fee rate. */
export interface SelectionRequest<U extends Utxo = Utxo> {
  utxos: readonly U[];
  recipients: readonly SelectionRecipient[];
  /** sat/vB. */
  feeRate: number;
  inputType: InputType;
  /** Hex scriptPubKey of the change output, appended last when there is change. */
  changeScript: string;
  /** sat/vB used for the dust rule; Bitcoin Core's default is 3. */
  dustRelayFeeRate?: number;
}

/** The chosen coins; `change` is 0n when the transaction has no change output. */
export interface SelectionResult<U extends Utxo = Utxo> {
  inputs: U[];
  change: bigint;
  fee: bigint;
  /** Estimated vsize of the final transaction, the basis of `fee`. */
  vsize: number;
}

/** Bound on branch-and-bound tries, as Bitcoin Core's TOTAL_TRIES. */
const BNB_MAX_TRIES = 100_000;
/** The search recurses once per coin; past this many coins only the largest take part. */
const BNB_MAX_COINS = 2_000;

/** Picks inputs for the recipients; throws INSUFFICIENT_FUNDS when the coins cannot pay. */
export function selectCoins<U extends Utxo>(req: SelectionRequest<U>): SelectionResult<U> {
  const { recipients, feeRate, inputType, changeScript } = req;
  const dustRate = req.dustRelayFeeRate ?? 3;
  if (!Number.isFinite(feeRate) || feeRate <= 0) fail('INVALID_PARAMS', 'feeRate must be a positive number');
  if (recipients.length === 0) fail('INVALID_PARAMS', 'at least one output is required');
  for (const r of recipients) {
    if (r.value <= 0n || r.value < dustThreshold(r.script, dustRate)) {
      fail('DUST_OUTPUT', undefined, { amount: Number(r.value), dust: Number(dustThreshold(r.script, dustRate)) });
    }
  }
  const payScripts = recipients.map((r) => r.script);
  const withChange = [...payScripts, changeScript];
  const total = recipients.reduce((s, r) => s + r.value, 0n);
  // Deterministic order: largest value first, ties broken by outpoint.
  const coins = [...req.utxos].sort((a, b) =>
    a.value !== b.value ? (a.value > b.value ? -1 : 1) : a.txid !== b.txid ? (a.txid < b.txid ? -1 : 1) : a.vout - b.vout,
  );

  const feeFor = (n: number, scripts: ReadonlyArray<string | Uint8Array>): bigint =>
    feeForVsize(estimateVsize({ inputTypes: Array<InputType>(n).fill(inputType), outputScripts: scripts }), feeRate);

  // Coin selection stays under the standard weight: no changeless match may need more inputs.
  const maxInputs = Math.floor((MAX_STANDARD_TX_WEIGHT - estimateWeight({ inputTypes: [], outputScripts: payScripts }) - 8) / INPUT_WEIGHT[inputType]);
  const bnb = branchAndBound(coins, total, payScripts, changeScript, inputType, feeRate, feeFor, maxInputs);
  if (bnb) {
    const sum = bnb.reduce((s, u) => s + u.value, 0n);
    const vsize = estimateVsize({ inputTypes: bnb.map(() => inputType), outputScripts: payScripts });
    return { inputs: bnb, change: 0n, fee: sum - total, vsize };
  }

  const changeDust = dustThreshold(changeScript, dustRate);
  const picked: U[] = [];
  let sum = 0n;
  for (const coin of coins) {
    picked.push(coin);
    sum += coin.value;
    const feeWithChange = feeFor(picked.length, withChange);
    const change = sum - total - feeWithChange;
    // Largest-first reaches the amount with the fewest inputs, so when its first answer is too
    // heavy no selection is light enough: say how far over, before anything is signed.
    const settle = (scripts: ReadonlyArray<string | Uint8Array>, result: SelectionResult<U>): SelectionResult<U> => {
      assertStandardWeight(estimateWeight({ inputTypes: picked.map(() => inputType), outputScripts: scripts }), picked.length);
      return result;
    };
    if (change >= changeDust) {
      const vsize = estimateVsize({ inputTypes: picked.map(() => inputType), outputScripts: withChange });
      return settle(withChange, { inputs: picked, change, fee: feeWithChange, vsize });
    }
    // Change below dust would be unrelayable: drop it and let the excess go to the fee.
    if (sum - total >= feeFor(picked.length, payScripts)) {
      const vsize = estimateVsize({ inputTypes: picked.map(() => inputType), outputScripts: payScripts });
      return settle(payScripts, { inputs: picked, change: 0n, fee: sum - total, vsize });
    }
  }
  const needed = total + feeFor(coins.length, payScripts);
  return fail('INSUFFICIENT_FUNDS', undefined, { needed: Number(needed), available: Number(sum) });
}

/**
 * Depth-first search for a subset whose effective value (value minus its input fee) lands in
 * [target, target + cost of change]: spending it with no change wastes less than creating change.
 */
function branchAndBound<U extends Utxo>(
  coins: readonly U[],
  total: bigint,
  payScripts: ReadonlyArray<string | Uint8Array>,
  changeScript: string,
  inputType: InputType,
  feeRate: number,
  feeFor: (n: number, scripts: ReadonlyArray<string | Uint8Array>) => bigint,
  maxInputs: number,
): U[] | null {
  const inputFee = (INPUT_WEIGHT[inputType] / 4) * feeRate;
  const pool = coins
    .slice(0, BNB_MAX_COINS)
    .map((u) => ({ u, eff: Number(u.value) - inputFee }))
    .filter((c) => c.eff > 0);
  if (pool.length === 0) return null;
  const target = Number(total) + Number(feeFor(0, payScripts));
  // Cost of change: the change output now plus the input that will spend it later.
  const costOfChange = (outputSize(changeScript) + INPUT_WEIGHT[inputType] / 4) * feeRate;
  const suffix: number[] = new Array<number>(pool.length + 1).fill(0);
  for (let i = pool.length - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + pool[i]!.eff;

  let tries = 0;
  let best: number[] | null = null;
  let bestExcess = Infinity;
  const chosen: number[] = [];
  const exactOk = (): boolean => {
    const sum = chosen.reduce((s, i) => s + pool[i]!.u.value, 0n);
    return sum - total >= feeFor(chosen.length, payScripts);
  };
  const dfs = (i: number, sum: number): void => {
    if (++tries > BNB_MAX_TRIES || bestExcess < 1) return;
    if (sum > target + costOfChange) return;
    if (sum >= target) {
      // Fractional per-input fees approximate the rounded total; re-check with the exact fee.
      if (sum - target < bestExcess && exactOk()) {
        best = [...chosen];
        bestExcess = sum - target;
      }
      return;
    }
    if (i >= pool.length || sum + suffix[i]! < target) return;
    if (chosen.length >= maxInputs) return;
    chosen.push(i);
    dfs(i + 1, sum + pool[i]!.eff);
    chosen.pop();
    dfs(i + 1, sum);
  };
  dfs(0, 0);
  const found = best as number[] | null;
  return found ? found.map((i) => pool[i]!.u) : null;
}
