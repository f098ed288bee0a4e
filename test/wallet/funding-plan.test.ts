/** The pure parts of issue 13's send path: funding plans, the weight bound, and Core's privacy choices. */
import { describe, expect, it } from 'vitest';
import { planPayment, planSweep } from '../../src/wallet/spend/funding-plan.ts';
import { selectCoins, type Utxo } from '../../src/wallet/spend/coin-selection.ts';
import { estimateVsize, feeForVsize, MAX_STANDARD_TX_WEIGHT } from '../../src/wallet/spend/fee-math.ts';
import { antiFeeSnipingLocktime, assertDistinctDestinations, changePosition, shuffled } from '../../src/wallet/spend/privacy.ts';
import { codeOf } from '../harness/error-codes.ts';

const OURS = `0014${'aa'.repeat(20)}`;
const CHANGE = `0014${'cc'.repeat(20)}`;
const A = `0014${'a1'.repeat(20)}`;
const B = `0014${'b2'.repeat(20)}`;
const coin = (n: number, value: bigint): Utxo => ({ txid: n.toString(16).padStart(64, '0'), vout: 0, value, script: OURS });
const base = { fixed: false, subtractFeeFrom: [] as number[], feeRate: 3, inputType: 'p2wpkh' as const, changeScript: CHANGE };

describe('planPayment', () => {
  it('subtractFeeFrom: the named outputs pay the fee evenly, the first one the remainder, inputs cover only the amount', () => {
    const plan = planPayment({ ...base, coins: [coin(1, 100_000n), coin(2, 60_000n)], recipients: [{ script: A, value: 50_000n }, { script: B, value: 50_000n }], subtractFeeFrom: [1, 0] });
    expect(plan.inputs).toHaveLength(1);
    // The one coin pays the amount exactly, so there is no change and the fee comes from A and B.
    expect(plan.change).toBe(0n);
    expect(plan.fee).toBe(feeForVsize(estimateVsize({ inputTypes: ['p2wpkh'], outputScripts: [A, B] }), 3));
    expect(plan.values[0]! + plan.values[1]!).toBe(100_000n - plan.fee);
    // Output 1 is named first, so it pays the odd satoshi.
    expect(plan.values[0]! - plan.values[1]!).toBe(plan.fee % 2n);
  });

  it('subtractFeeFrom with dust change gives the excess to the recipients, as Core', () => {
    const plan = planPayment({ ...base, coins: [coin(1, 50_100n)], recipients: [{ script: A, value: 50_000n }], subtractFeeFrom: [0] });
    expect(plan.change).toBe(0n);
    expect(plan.values[0]).toBe(50_100n - plan.fee);
  });

  it('coin control spends every named coin, and only those', () => {
    const coins = [coin(1, 10_000n), coin(2, 500_000n)];
    const plan = planPayment({ ...base, fixed: true, coins, recipients: [{ script: A, value: 5_000n }] });
    expect(plan.inputs).toEqual(coins);
    expect(codeOf(() => planPayment({ ...base, fixed: true, coins: [coin(1, 10_000n)], recipients: [{ script: A, value: 20_000n }] }))).toBe('INSUFFICIENT_FUNDS');
  });

  it('a too-heavy plan is TX_TOO_LARGE; selection among mixed coins stays under the weight', () => {
    const small = Array.from({ length: 1_600 }, (_, i) => coin(i + 1, 1_000n));
    expect(codeOf(() => planPayment({ ...base, feeRate: 0.1, coins: small, recipients: [{ script: A, value: 1_500_000n }] }))).toBe('TX_TOO_LARGE');
    expect(codeOf(() => planSweep({ coins: small, script: A, feeRate: 1, inputType: 'p2wpkh' }))).toBe('TX_TOO_LARGE');
    // With one big coin among them, largest-first pays with few inputs.
    const s = selectCoins({ utxos: [...small, coin(9_999, 2_000_000n)], recipients: [{ script: A, value: 1_500_000n }], feeRate: 1, inputType: 'p2wpkh', changeScript: CHANGE });
    expect(s.inputs.length).toBeLessThan(5);
    expect(s.vsize * 4).toBeLessThanOrEqual(MAX_STANDARD_TX_WEIGHT);
  });

  it('a sweep leaving dust after the fee is DUST_OUTPUT', () => {
    expect(codeOf(() => planSweep({ coins: [coin(1, 700n)], script: A, feeRate: 5, inputType: 'p2wpkh' }))).toBe('DUST_OUTPUT');
  });
});

describe('privacy', () => {
  it('nLockTime is the tip, or one time in ten up to 99 lower; 0 without a tip', () => {
    expect(antiFeeSnipingLocktime(500, () => 3)).toBe(500);
    const draws = [0, 42];
    expect(antiFeeSnipingLocktime(500, () => draws.shift()!)).toBe(458);
    expect(antiFeeSnipingLocktime(null)).toBe(0);
    expect(antiFeeSnipingLocktime(20, (max) => max - 1 === 9 ? 0 : 99)).toBe(0);
    for (let i = 0; i < 200; i++) {
      const lt = antiFeeSnipingLocktime(1_000);
      expect(lt).toBeGreaterThanOrEqual(901);
      expect(lt).toBeLessThanOrEqual(1_000);
    }
  });

  it('change goes anywhere among the outputs', () => {
    const seen = new Set(Array.from({ length: 300 }, () => changePosition(4)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('inputs are shuffled: Fisher-Yates over the draws, every order reachable, nothing lost', () => {
    // j = 0 at every step: swap(2, 0) then swap(1, 0).
    expect(shuffled(['a', 'b', 'c'], () => 0)).toEqual(['b', 'c', 'a']);
    // j = i at every step leaves the order as it was.
    expect(shuffled(['a', 'b', 'c'], (max) => max - 1)).toEqual(['a', 'b', 'c']);
    const items = [1, 2, 3];
    const orders = new Set(Array.from({ length: 300 }, () => shuffled(items).join('')));
    expect([...orders].sort()).toEqual(['123', '132', '213', '231', '312', '321']);
    expect(items).toEqual([1, 2, 3]);
  });

  it('a repeated destination script is DUPLICATE_DESTINATION', () => {
    expect(codeOf(() => assertDistinctDestinations([{ script: A }, { script: B }, { script: A }]))).toBe('DUPLICATE_DESTINATION');
    expect(codeOf(() => assertDistinctDestinations([{ script: A }, { script: B }]))).toBe('none');
  });
});
