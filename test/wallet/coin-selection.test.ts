import { describe, expect, it } from 'vitest';
import { selectCoins, type Utxo } from '../../src/wallet/spend/coin-selection.ts';
import { dustThreshold, estimateVsize, feeForVsize } from '../../src/wallet/spend/fee-math.ts';
import { isWalletdError, WalletdError } from '../../src/errors.ts';

const OURS = `0014${'aa'.repeat(20)}`;
const CHANGE = `0014${'cc'.repeat(20)}`;
const DEST = `0014${'dd'.repeat(20)}`;
const txid = (n: number): string => n.toString(16).padStart(64, '0');
const coin = (n: number, value: bigint): Utxo => ({ txid: txid(n), vout: n % 3, value, script: OURS });
const sum = (us: readonly Utxo[]): bigint => us.reduce((s, u) => s + u.value, 0n);

describe('selectCoins', () => {
  it('an exact match spends with no change output', () => {
    const fee1in1out = feeForVsize(estimateVsize({ inputTypes: ['p2wpkh'], outputScripts: [DEST] }), 2);
    const exact = coin(7, 50_000n + fee1in1out);
    const res = selectCoins({
      utxos: [coin(1, 1_000_000n), exact, coin(2, 3_000n)],
      recipients: [{ script: DEST, value: 50_000n }],
      feeRate: 2,
      inputType: 'p2wpkh',
      changeScript: CHANGE,
    });
    expect(res.inputs).toEqual([exact]);
    expect(res.change).toBe(0n);
    expect(res.fee).toBe(fee1in1out);
  });

  it('throws INSUFFICIENT_FUNDS with needed and available sats', () => {
    let caught: unknown;
    try {
      selectCoins({
        utxos: [coin(1, 10_000n), coin(2, 20_000n)],
        recipients: [{ script: DEST, value: 30_000n }],
        feeRate: 1,
        inputType: 'p2wpkh',
        changeScript: CHANGE,
      });
    } catch (err) {
      caught = err;
    }
    expect(isWalletdError(caught, 'INSUFFICIENT_FUNDS')).toBe(true);
    const details = (caught as WalletdError).details as { needed: number; available: number };
    expect(details.available).toBe(30_000);
    expect(details.needed).toBeGreaterThan(30_000);
    expect(() => JSON.stringify((caught as WalletdError).toJsonRpc())).not.toThrow();
  });

  it('change below dust is dropped into the fee', () => {
    const feeNoChange = feeForVsize(estimateVsize({ inputTypes: ['p2wpkh'], outputScripts: [DEST] }), 1);
    // 150 sats over: too much for a changeless BnB match (cost of change 99), too little for change.
    const only = coin(3, 40_000n + feeNoChange + 150n);
    const res = selectCoins({
      utxos: [only],
      recipients: [{ script: DEST, value: 40_000n }],
      feeRate: 1,
      inputType: 'p2wpkh',
      changeScript: CHANGE,
    });
    expect(res.change).toBe(0n);
    expect(res.fee).toBe(feeNoChange + 150n);
    expect(res.fee + 40_000n).toBe(only.value);
  });

  it('makes change at least the dust threshold, and the fee covers the estimated vsize', () => {
    let seed = 42;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    let selected = 0;
    let changeless = 0;
    for (let round = 0; round < 40; round++) {
      const utxos = Array.from({ length: 1 + Math.floor(rand() * 12) }, (_, i) => coin(round * 100 + i, BigInt(1_000 + Math.floor(rand() * 300_000))));
      const amount = BigInt(1_000 + Math.floor(rand() * Number(sum(utxos)) * 0.8));
      const feeRate = [1, 1.5, 3.7, 12, 55][round % 5]!;
      const inputType = round % 2 === 0 ? 'p2wpkh' : 'p2tr';
      try {
        const res = selectCoins({ utxos, recipients: [{ script: DEST, value: amount }], feeRate, inputType, changeScript: CHANGE });
        expect(sum(res.inputs)).toBe(amount + res.change + res.fee);
        expect(res.fee).toBeGreaterThanOrEqual(feeForVsize(res.vsize, feeRate));
        const outputs = res.change > 0n ? [DEST, CHANGE] : [DEST];
        expect(res.vsize).toBe(estimateVsize({ inputTypes: res.inputs.map(() => inputType), outputScripts: outputs }));
        if (res.change > 0n) expect(res.change).toBeGreaterThanOrEqual(dustThreshold(CHANGE));
        expect(new Set(res.inputs.map((u) => `${u.txid}:${u.vout}`)).size).toBe(res.inputs.length);
        selected += 1;
        if (res.change === 0n) changeless += 1;
      } catch (err) {
        expect(isWalletdError(err, 'INSUFFICIENT_FUNDS')).toBe(true);
      }
    }
    // The sample must exercise the success path, with and without change.
    expect(selected).toBeGreaterThan(20);
    expect(changeless).toBeGreaterThan(0);
    expect(changeless).toBeLessThan(selected);
  });

  it('is deterministic whatever the order of the coins', () => {
    const utxos = [coin(1, 30_000n), coin(2, 30_000n), coin(3, 12_345n), coin(4, 99_000n), coin(5, 7_777n)];
    const req = { recipients: [{ script: DEST, value: 60_000n }], feeRate: 3, inputType: 'p2wpkh' as const, changeScript: CHANGE };
    const a = selectCoins({ ...req, utxos });
    const b = selectCoins({ ...req, utxos: [...utxos].reverse() });
    expect(b).toEqual(a);
  });

  it('refuses a dust recipient and a non-positive fee rate', () => {
    const base = { utxos: [coin(1, 100_000n)], inputType: 'p2wpkh' as const, changeScript: CHANGE };
    expect(() => selectCoins({ ...base, recipients: [{ script: DEST, value: 293n }], feeRate: 1 })).toThrow(
      expect.objectContaining({ code: 'DUST_OUTPUT' }),
    );
    expect(() => selectCoins({ ...base, recipients: [{ script: DEST, value: 5_000n }], feeRate: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMS' }),
    );
  });
});
