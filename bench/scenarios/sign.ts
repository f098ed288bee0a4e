/**
 * Scenario 3, signing against its physical limit: a 100-input P2WPKH and a 100-input P2TR
 * `sign_transaction` against raw tiny-secp256k1 `sign` / `signSchnorr` over as many hashes,
 * interleaved in one run; plus a 1,000-input consolidation.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Transaction } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { fundOutputs, relayFeeRate, walletAddresses, waitForConfirmed } from '../lib/funding.ts';
import { interleave, timeMs } from '../lib/interleave.ts';
import { startBenchDaemon, startRegtestNode, type BenchDaemon } from '../lib/daemon.ts';
import { RESULTS_DIR, type ScenarioResult } from '../lib/results.ts';
import type { BenchOptions, Scenario } from '../lib/scenario.ts';
import { fmt, fmtSpread, ratios, spread } from '../lib/stats.ts';
import { writeRangeChart } from '../lib/svg.ts';

/** A wallet holding exactly `inputs` coins of `coin` sats, and a draft that must spend them all. */
interface SignFixture {
  wallet: string;
  inputs: number;
  coin: bigint;
  draft: { outputs: Array<{ address: string; amount: number }>; feeRate: number };
}

async function fixture(d: BenchDaemon, node: Awaited<ReturnType<typeof startRegtestNode>>, addressType: 'p2wpkh' | 'p2tr', inputs: number, feeRate: number): Promise<SignFixture> {
  const wallet = (await d.call<{ id: string }>('create_wallet', { name: `sign-${addressType}-${inputs}`, addressType })).id;
  const addrs = await walletAddresses(d.call, wallet, 20);
  // Each coin pays more than the whole fee, and the draft asks for all but one coin's worth,
  // so coin selection has to take every coin.
  const coin = BigInt(Math.ceil(inputs * 70 * feeRate * 1.5) + 10_000);
  await fundOutputs(node, addrs, inputs, coin);
  await waitForConfirmed(d.call, wallet, coin * BigInt(inputs));
  return { wallet, inputs, coin, draft: { outputs: [{ address: node.minerAddress, amount: Number(coin * BigInt(inputs - 1)) }], feeRate } };
}

async function signOnce(d: BenchDaemon, f: SignFixture): Promise<number> {
  let hex: string | null = null;
  const ms = await timeMs(async () => {
    hex = (await d.call<{ hex: string | null }>('sign_transaction', { wallet: f.wallet, ...f.draft })).hex;
  });
  const ins = hex ? Transaction.fromHex(hex).ins.length : 0;
  if (ins !== f.inputs) throw new Error(`sign_transaction used ${ins} inputs, expected ${f.inputs}`);
  await d.call('release_outputs', { wallet: f.wallet });
  return ms;
}

function rawSign(n: number, schnorr: boolean): Promise<number> {
  const key = randomBytes(32);
  const hashes = Array.from({ length: n }, () => randomBytes(32));
  return timeMs(async () => {
    for (const h of hashes) {
      if (schnorr) ecc.signSchnorr(h, key, randomBytes(32));
      else ecc.sign(h, key);
    }
  });
}

async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const repeats = opts.quick ? 3 : 5;
  const bigInputs = 1000;
  const node = await startRegtestNode();
  const d = await startBenchDaemon({ node, ...(opts.profileDir ? { profileDir: opts.profileDir } : {}) });
  try {
    const feeRate = await relayFeeRate(node) + 1;
    const wpkh = await fixture(d, node, 'p2wpkh', 100, feeRate);
    const tr = await fixture(d, node, 'p2tr', 100, feeRate);
    const big = await fixture(d, node, 'p2wpkh', bigInputs, feeRate);
    const res = await interleave<number>([
      { name: 'walletd sign_transaction, 100 P2WPKH inputs', run: () => signOnce(d, wpkh) },
      { name: 'tiny-secp256k1 sign x100', run: () => rawSign(100, false) },
      { name: 'walletd sign_transaction, 100 P2TR inputs', run: () => signOnce(d, tr) },
      { name: 'tiny-secp256k1 signSchnorr x100', run: () => rawSign(100, true) },
    ], repeats);
    // Today one 1,000-input sign takes tens of seconds, so --quick times it once (no ratio claim).
    const bigArms = [
      { name: 'walletd sign_transaction, 1,000 P2WPKH inputs', run: () => signOnce(d, big) },
      { name: 'tiny-secp256k1 sign x1000', run: () => rawSign(bigInputs, false) },
    ];
    if (opts.quick) for (const a of bigArms) res.set(a.name, [await a.run()]);
    else for (const [k, v] of await interleave<number>(bigArms, 3)) res.set(k, v);
    const get = (k: string) => res.get(k)!;
    const ecdsa = ratios(get('tiny-secp256k1 sign x100'), get('walletd sign_transaction, 100 P2WPKH inputs'));
    const schnorr = ratios(get('tiny-secp256k1 signSchnorr x100'), get('walletd sign_transaction, 100 P2TR inputs'));
    const bigRatio = ratios(get('tiny-secp256k1 sign x1000'), get('walletd sign_transaction, 1,000 P2WPKH inputs'));
    const bigMs = spread(get('walletd sign_transaction, 1,000 P2WPKH inputs'));
    const ratioOf = (k: string) =>
      k.includes('100 P2WPKH') ? fmtSpread(ecdsa, 2) : k.includes('100 P2TR') ? fmtSpread(schnorr, 2) : k.includes('1,000') ? fmtSpread(bigRatio, 2) : '1';
    const rows = [...res].map(([k, v]) => [k, fmtSpread(spread(v)), fmt(spread(v).median / (k.includes('1000') || k.includes('1,000') ? bigInputs : 100)), ratioOf(k)]);
    writeRangeChart(join(RESULTS_DIR, `sign${opts.label ? `.${opts.label}` : ''}.svg`), 'Signing: walletd vs raw tiny-secp256k1 (ms, median with min..max)', 'ms',
      [...res].map(([k, v]) => ({ label: k.replace('walletd sign_transaction, ', 'walletd '), ...spread(v) })));
    return {
      scenario: 'sign',
      title: `Signing vs its physical limit (${repeats} interleaved repeats; ms median (min..max))`,
      headers: ['what', 'ms', 'ms per input', 'raw rate / walletd rate'],
      rows,
      targets: [
        { what: '100-input P2WPKH sign vs raw sign', target: '>= 0.5x raw rate', measured: `${fmt(ecdsa.median, 2)}x`, met: ecdsa.median >= 0.5 },
        { what: '100-input P2TR sign vs raw signSchnorr', target: '>= 0.5x raw rate', measured: `${fmt(schnorr.median, 2)}x`, met: schnorr.median >= 0.5 },
        { what: '1,000-input consolidation sign', target: '< 1.5 s', measured: `${fmt(bigMs.median / 1000)} s`, met: bigMs.median < 1500 },
      ],
      notes: [
        ...(opts.quick ? ['--quick: the 1,000-input rows are one run each, not interleaved repeats.'] : []),
        'walletd times are one sign_transaction RPC over HTTP (build, PSBT, sign, finalize); raw times are in-process calls on random hashes.',
      ],
      config: { repeats, feeRate, coins: { p2wpkh100: String(wpkh.coin), p2tr100: String(tr.coin), p2wpkh1000: String(big.coin) } },
      raw: Object.fromEntries(res),
    };
  } finally {
    await d.stop();
    await node.stop();
  }
}

/** Scenario 3 of issue 10. */
export const signScenario: Scenario = { name: 'sign', describe: 'sign_transaction vs raw tiny-secp256k1, 100 and 1,000 inputs', run };
