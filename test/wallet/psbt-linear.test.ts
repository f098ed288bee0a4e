/**
 * PSBTs are built, signed and finalized in linear time (issue 10), and the result is byte for
 * byte what bitcoinjs-lib's own addInput / signInput / finalizeInput path produces.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Psbt } from 'bitcoinjs-lib';
import { buildPsbt, RBF_SEQUENCE, type BuildPsbtRequest } from '../../src/wallet/spend/tx-builder.ts';
import { finalizePsbt, signP2trKeyPathInput, signP2wpkhInput, signPsbt } from '../../src/wallet/secrets/psbt-signer.ts';
import { testWallet, validator } from './tx-fixtures.ts';

const DEST = `0014${'dd'.repeat(20)}`;

/** Each input's fields (witnessUtxo, derivations), as a one-input build gives them. */
const inputFields = (req: BuildPsbtRequest) => req.inputs.map((input) => buildPsbt({ ...req, inputs: [input] }).data.inputs[0]!);

/** The previous buildPsbt, verbatim in substance: one Psbt.addInput / addOutput per item. */
function legacyBuild(req: BuildPsbtRequest, fields = inputFields(req)): Psbt {
  const psbt = new Psbt({ network: req.network.params });
  psbt.setVersion(2);
  psbt.setLocktime(req.locktime ?? 0);
  req.inputs.forEach((input, i) => psbt.addInput({ hash: input.txid, index: input.vout, sequence: RBF_SEQUENCE, ...fields[i]! }));
  for (const o of req.outputs) psbt.addOutput({ script: Buffer.from(o.script as string, 'hex'), value: o.value });
  return psbt;
}

/** The previous signing loop: bitcoinjs's signInput / signTaprootInput for every input. */
function legacySign(psbt: Psbt, w: ReturnType<typeof testWallet>): void {
  psbt.data.inputs.forEach((input, i) => {
    const d = (w.account.addressType === 'p2wpkh' ? input.bip32Derivation : input.tapBip32Derivation)![0]!;
    const [chain, index] = d.path.split('/').slice(-2).map(Number) as [number, number];
    const child = w.accountNode.derive(chain).derive(index);
    if (w.account.addressType === 'p2wpkh') signP2wpkhInput(psbt, i, child);
    else signP2trKeyPathInput(psbt, i, child);
  });
}

const ITERATORS = ['forEach', 'map', 'flatMap', 'filter', 'some', 'every', 'find', 'reduce'] as const;

/** How many array-iteration callbacks `fn` runs: a deterministic measure of its loop work. */
function iterationsDuring(fn: () => void): number {
  let n = 0;
  const proto = Array.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved = ITERATORS.map((name) => [name, proto[name]!] as const);
  for (const [name, original] of saved) {
    proto[name] = function (this: unknown[], cb: unknown, ...rest: unknown[]) {
      const counted = (...a: unknown[]) => {
        n += 1;
        return (cb as (...x: unknown[]) => unknown)(...a);
      };
      return original.call(this, typeof cb === 'function' ? counted : cb, ...rest);
    };
  }
  try {
    fn();
  } finally {
    for (const [name, original] of saved) proto[name] = original;
  }
  return n;
}

afterEach(() => vi.restoreAllMocks());

describe.each(['p2wpkh', 'p2tr'] as const)('%s with many inputs', (addressType) => {
  const w = testWallet(addressType, 3);
  const request = (n: number): BuildPsbtRequest => ({
    ...w.account,
    inputs: Array.from({ length: n }, (_, i) => w.coin(i, 20_000n + BigInt(i), (i % 2) as 0 | 1)),
    outputs: [{ script: DEST, value: 1_000_000n }, { script: w.scriptAt(1, 999), value: 12_345n }],
    locktime: 321,
  });

  it('builds and signs 400 inputs byte-identically to the addInput/signInput path', () => {
    const req = request(400);
    const fast = buildPsbt(req);
    const slow = legacyBuild(req);
    expect(Buffer.from(fast.toBuffer()).equals(slow.toBuffer())).toBe(true);
    expect(signPsbt(fast, w.signer)).toEqual({ signed: 400 });
    legacySign(slow, w);
    // ECDSA (RFC 6979, low R) and BIP-340 without aux randomness are deterministic.
    expect(Buffer.from(fast.toBuffer()).equals(slow.toBuffer())).toBe(true);
    expect(fast.validateSignaturesOfAllInputs(validator)).toBe(true);
    // finalizePsbt writes the witnesses itself; bitcoinjs's finalizeInput must agree byte for byte.
    const { complete, hex } = finalizePsbt(fast);
    slow.data.inputs.forEach((_, i) => slow.finalizeInput(i));
    expect(complete).toBe(true);
    expect(Buffer.from(fast.toBuffer()).equals(slow.toBuffer())).toBe(true);
    expect(hex).toBe(slow.extractTransaction(true).toHex());
  }, 120_000);

  it('never calls the quadratic addInput, and its loop work grows linearly', () => {
    const addInput = vi.spyOn(Psbt.prototype, 'addInput');
    const addOutput = vi.spyOn(Psbt.prototype, 'addOutput');
    const work = (n: number) => {
      const req = request(n);
      let psbt!: Psbt;
      const build = iterationsDuring(() => (psbt = buildPsbt(req)));
      const sign = iterationsDuring(() => signPsbt(psbt, w.signer));
      return { build, sign };
    };
    const small = work(100);
    const big = work(200);
    expect(addInput).not.toHaveBeenCalled();
    expect(addOutput).not.toHaveBeenCalled();
    // Doubling the inputs at most doubles the work (plus constant overhead); O(n²) would quadruple it.
    expect(big.build / small.build).toBeLessThan(2.3);
    expect(big.sign / small.sign).toBeLessThan(2.3);

    // The measure does see quadratic work: the old path's ratio is near 4.
    const legacy = (n: number) => {
      const req = request(n);
      const fields = inputFields(req);
      let psbt!: Psbt;
      const build = iterationsDuring(() => (psbt = legacyBuild(req, fields)));
      const sign = iterationsDuring(() => legacySign(psbt, w));
      return { build, sign };
    };
    addInput.mockRestore();
    const [l1, l2] = [legacy(100), legacy(200)];
    expect(l2.build / l1.build).toBeGreaterThan(3);
    expect(l2.sign / l1.sign).toBeGreaterThan(3);
  }, 120_000);
});
