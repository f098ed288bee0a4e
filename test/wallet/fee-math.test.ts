import { describe, expect, it } from 'vitest';
import { dustThreshold, estimateVsize, feeForVsize, isWitnessProgram, toScriptBytes } from '../../src/wallet/spend/fee-math.ts';

const P2WPKH = `0014${'11'.repeat(20)}`;
const P2TR = `5120${'22'.repeat(32)}`;
const P2PKH = `76a914${'33'.repeat(20)}88ac`;

describe('fee math', () => {
  it('dust thresholds match Bitcoin Core at 3 sat/vB', () => {
    expect(dustThreshold(P2WPKH)).toBe(294n);
    expect(dustThreshold(P2TR)).toBe(330n);
    expect(dustThreshold(P2PKH)).toBe(546n);
    expect(dustThreshold('6a0401020304')).toBe(0n);
    expect(dustThreshold(P2WPKH, 1)).toBe(98n);
  });

  it('estimates the classic sizes: 1-in 2-out P2WPKH 141 vB, 1-in 1-out P2TR 111 vB', () => {
    expect(estimateVsize({ inputTypes: ['p2wpkh'], outputScripts: [P2WPKH, P2WPKH] })).toBe(141);
    expect(estimateVsize({ inputTypes: ['p2tr'], outputScripts: [P2TR] })).toBe(111);
    // Two 57.5 vB inputs add a whole 115 vB; rounding happens once over the transaction.
    expect(estimateVsize({ inputTypes: ['p2tr', 'p2tr'], outputScripts: [P2TR] })).toBe(169);
  });

  it('fees round up and accept fractional rates', () => {
    expect(feeForVsize(141, 1.5)).toBe(212n);
    expect(feeForVsize(100, 1.1)).toBe(110n);
    expect(feeForVsize(141, 1)).toBe(141n);
    expect(feeForVsize(141, 0.0)).toBe(0n);
    expect(() => feeForVsize(141, Number.NaN)).toThrow();
  });

  it('recognises witness programs', () => {
    expect(isWitnessProgram(toScriptBytes(P2WPKH))).toBe(true);
    expect(isWitnessProgram(toScriptBytes(P2TR))).toBe(true);
    expect(isWitnessProgram(toScriptBytes(P2PKH))).toBe(false);
  });
});
