/**
 * Runs a seeded random scenario against a real node and a real walletd, and after every step
 * waits for walletd to converge on the oracle's view; the first divergence ends the run with a
 * report that names the seed, the step and the step log, so the run replays.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFaultProxy } from '../fault-proxy.ts';
import { startChainNode, type ChainNode } from './chain-node.ts';
import { compareViews, type Profile } from './compare.ts';
import { OracleWallet, canNeverConfirm, type OracleView } from './oracle-wallet.ts';
import { mulberry32 } from './prng.ts';
import { STEPS, StepDivergence, type StepContext, type StepKind } from './scenario-steps.ts';
import { readWalletdView } from './views.ts';
import { startWalletd, type WalletdControl } from './walletd-control.ts';

/** How a run is set up. */
export interface RunOptions {
  seed: number;
  steps: number;
  profile: Profile;
  /** Restrict the full profile to these kinds (plus receive-fresh and mine), to chase one finding. */
  only?: StepKind[];
  /** How long walletd may take to agree after a step. */
  convergeMs?: number;
  /** walletd reaches the node through a fault proxy, and `node-faults` steps make it fail or hang. */
  chaos?: boolean;
}

/** What a run found. */
export interface RunResult {
  stepsRun: number;
  /** The step kinds that ran, with their counts. */
  kinds: Partial<Record<StepKind, number>>;
  /** Milliseconds spent per step kind, acting and converging (a measurement, never asserted). */
  msByKind: Partial<Record<StepKind, number>>;
  /** Where the full step log was written. */
  logFile: string;
  /** Null when walletd agreed with the oracle after every step. */
  divergence: { step: number; kind: StepKind | 'setup'; lines: string[] } | null;
  /** A human report: seed, replay line, differences and step log. */
  report: string;
  /** Coins and txs the oracle held at the last agreed step: proof that something was judged. */
  judged: { coins: number; txs: number };
}

/** Step weights. Mining is frequent but a few blocks at a time, so 300 steps stay quick. */
const WEIGHTS: Record<Profile, Partial<Record<StepKind, number>>> = {
  basic: { 'receive-fresh': 35, send: 30, mine: 35 },
  full: {
    'receive-fresh': 14, 'receive-reused': 7, send: 12, coinbase: 5, mine: 16, bump: 5,
    'double-spend': 5, reorg: 4, 'reorg-back': 1.5, 'reorg-double-spend': 1.5, 'reorg-deep': 0.5,
    'restart-walletd': 0.8, 'restart-node': 0.4,
  },
};

/** Rare kinds that a run of at least this many steps makes at least once (by this step). */
const DUE_BY: Partial<Record<StepKind, number>> = {
  'restart-walletd': 100, 'reorg-back': 130, 'reorg-double-spend': 160, 'restart-node': 190, 'reorg-deep': 220,
};

/** Runs one scenario from node start to teardown. */
export async function runScenario(opts: RunOptions): Promise<RunResult> {
  const rng = mulberry32(opts.seed);
  let weights: Partial<Record<StepKind, number>> = { ...WEIGHTS[opts.profile], ...(opts.chaos ? { 'node-faults': 1.5 } : {}) };
  if (opts.only?.length) {
    const keep = new Set<StepKind>([...opts.only, 'receive-fresh', 'mine']);
    weights = Object.fromEntries(Object.entries(weights).filter(([k]) => keep.has(k as StepKind)));
  }
  const log: string[] = [];
  const kinds: Partial<Record<StepKind, number>> = {};
  const msByKind: Partial<Record<StepKind, number>> = {};
  const logFile = join(tmpdir(), `walletd-diff-${opts.seed}.log`);
  const node = await startChainNode();
  const faults = opts.chaos ? await startFaultProxy(node.url) : undefined;
  let walletd: WalletdControl | undefined;
  let divergence: RunResult['divergence'] = null;
  let step = 0;
  let judged = { coins: 0, txs: 0 };
  try {
    walletd = await startWalletd(node, { chainUrl: faults?.url });
    const info = await readWalletdView(walletd);
    const oracle = await OracleWallet.create(node, info.descriptors, Math.max(info.addressCount.receive, info.addressCount.change));
    const judge = (): Promise<{ view: OracleView; lines: string[]; summary: string }> =>
      converge(node, walletd!, oracle, opts.profile, opts.convergeMs ?? 15_000);
    const first = await judge();
    if (first.lines.length) divergence = { step: 0, kind: 'setup', lines: first.lines };
    const ctx: StepContext = {
      node, walletd, rng, birthHeight: first.view.tipHeight, handedOut: [], receives: [], last: first.view, faults,
    };
    for (step = 1; step <= opts.steps && !divergence; step++) {
      const drawn = rng.weighted(weights as Record<StepKind, number>);
      const due = (Object.keys(DUE_BY) as StepKind[]).find((k) => DUE_BY[k] === step && k in weights && !kinds[k]);
      const kind = due ?? drawn;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      const t0 = Date.now();
      try {
        log.push(`#${step} ${kind}: ${await STEPS[kind](ctx)}`);
      } catch (err) {
        if (!(err instanceof StepDivergence)) {
          log.push(`#${step} ${kind}: harness error ${(err as Error).message}`);
          throw new Error(report(opts, step, kind, [`harness error: ${(err as Error).stack}`], log));
        }
        log.push(`#${step} ${kind}: ${err.message}`);
        divergence = { step, kind, lines: [err.message] };
        break;
      }
      const verdict = await judge();
      log[log.length - 1] += ` ${verdict.summary}`;
      ctx.last = verdict.view;
      if (verdict.lines.length) divergence = { step, kind, lines: verdict.lines };
      if (verdict.lines.length && process.env.WALLETD_DIFF_DEBUG) await debugDump(walletd, node, verdict.view);
      else judged = { coins: verdict.view.unspent.size, txs: verdict.view.txs.size };
      msByKind[kind] = (msByKind[kind] ?? 0) + Date.now() - t0;
    }
  } finally {
    writeFileSync(logFile, log.join('\n') + '\n');
    await walletd?.stop().catch(() => undefined);
    await faults?.close();
    await node.stop();
  }
  const stepsRun = divergence ? divergence.step : opts.steps;
  return {
    stepsRun,
    kinds,
    msByKind,
    logFile,
    divergence,
    judged,
    report: divergence ? report(opts, divergence.step, divergence.kind, divergence.lines, log) : `${stepsRun} steps, 0 divergences (seed ${opts.seed})`,
  };
}

/** Polls until walletd has synced to the node's tip and agrees with the oracle, or time runs out. */
async function converge(
  node: ChainNode, walletd: WalletdControl, oracle: OracleWallet, profile: Profile, timeoutMs: number,
): Promise<{ view: OracleView; lines: string[]; summary: string }> {
  const deadline = Date.now() + timeoutMs;
  const abandoned: string[] = [];
  for (;;) {
    // The last reading, after the deadline, is the one reported: it carries the node's own word.
    const last = Date.now() > deadline;
    let view: OracleView | undefined;
    let lines: string[];
    let trustedPending: bigint | null = null;
    try {
      const w = await readWalletdView(walletd);
      // The oracle must watch every address walletd derived, or "unknown to the oracle" is ours.
      await oracle.ensureRange(Math.max(w.addressCount.receive, w.addressCount.change));
      view = await oracle.view(w.txs.keys());
      const dead = await oracle.abandonDead(node, view);
      if (dead.length) {
        abandoned.push(...dead);
        view = await oracle.view(w.txs.keys());
      }
      if (w.syncHeight !== view.tipHeight) lines = [`walletd sync height ${w.syncHeight} | node tip ${view.tipHeight}`];
      else {
        trustedPending = profile === 'full' ? await oracle.trustedPending(view) : null;
        lines = await compareViews(node, { view, trustedPending }, w, profile, last);
      }
    } catch (err) {
      // A restarting walletd (or node) answers nothing for a moment; only a lasting failure counts.
      lines = [`reading failed: ${(err as Error).message}`];
    }
    if (view && (lines.length === 0 || last)) {
      const b = view.balances;
      const tp = trustedPending === null ? '' : `, of which trusted ${trustedPending}`;
      const gone = abandoned.length ? `; abandoned in the oracle (can never confirm): ${abandoned.join(' ')}` : '';
      const summary = `[tip ${view.tipHeight}; oracle: trusted ${b.trusted}, pending ${b.untrustedPending}${tp}, immature ${b.immature}${gone}]`;
      return { view, lines, summary };
    }
    if (Date.now() > deadline + 15_000) throw new Error(`no reading of walletd and the oracle: ${lines.join('; ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function report(opts: RunOptions, step: number, kind: string, lines: string[], log: string[]): string {
  const file = join(tmpdir(), `walletd-diff-${opts.seed}.log`);
  const tail = log.slice(-60);
  return [
    `walletd diverged from the oracle (the node's own watch-only wallet)`,
    `  seed ${opts.seed}; replay: WALLETD_DIFF_SEED=${opts.seed} WALLETD_DIFF_PROFILE=${opts.profile} WALLETD_DIFF_STEPS=${opts.steps}${opts.chaos ? " WALLETD_DIFF_CHAOS=1" : ""}` +
      (opts.only?.length ? ` WALLETD_DIFF_ONLY=${opts.only.join(',')}` : ''),
    `  at step ${step} of ${opts.steps} (${kind}); ${lines.length} difference(s):`,
    ...lines.slice(0, 40).map((l) => `    ${l}`),
    ...(lines.length > 40 ? [`    … ${lines.length - 40} more`] : []),
    `  step log (last ${tail.length} of ${log.length}; all of it in ${file}):`,
    ...tail.map((l) => `    ${l}`),
  ].join('\n');
}

/** WALLETD_DIFF_DEBUG: for coins walletd holds and the oracle does not, the oracle's txs spending them. */
async function debugDump(walletd: WalletdControl, node: ChainNode, view: OracleView): Promise<void> {
  const coins = await walletd.call<Array<{ txid: string; vout: number; value: number; confirmations: number }>>('get_unspent_outputs', { minConf: 0 });
  const missing = new Set(coins.map((c) => `${c.txid}:${c.vout}`).filter((op) => !view.unspent.has(op)));
  for (const tx of view.txs.values()) {
    const got = await node.oracle.call<{ decoded: { vin: Array<{ txid?: string; vout?: number }> } }>('gettransaction', tx.txid, true, true).catch(() => null);
    for (const i of got?.decoded.vin ?? []) {
      if (!missing.has(`${i.txid}:${i.vout}`)) continue;
      const w = await walletd.call<unknown>('get_tx_status', { txid: tx.txid }).catch(() => 'unknown to walletd');
      const accept = await node.base.call<unknown>('testmempoolaccept', [(await node.oracle.call<{ hex: string }>('gettransaction', tx.txid, true)).hex]).catch((e: Error) => e.message);
      console.log('DEBUG spender of', `${i.txid}:${i.vout}`, 'oracle', JSON.stringify(tx), 'walletd', JSON.stringify(w), 'accept', JSON.stringify(accept));
      // Its parents, as both sides see them, and whether the oracle's rule calls each dead.
      for (const p of got?.decoded.vin ?? []) {
        const parent = view.txs.get(p.txid!);
        const wp = await walletd.call<unknown>('get_tx_status', { txid: p.txid }).catch(() => 'unknown to walletd');
        const dead = parent ? await canNeverConfirm(node, view, p.txid!) : 'not an oracle tx';
        const inPool = view.mempool.has(p.txid!);
        console.log('DEBUG   parent', `${p.txid}:${p.vout}`, 'oracle', JSON.stringify(parent ?? null), 'dead', dead, 'inMempool', inPool, 'walletd', JSON.stringify(wp));
      }
    }
  }
  const daemonLog = join(tmpdir(), `walletd-diff-daemon-${process.pid}.log`);
  writeFileSync(daemonLog, walletd.logs().map((l) => JSON.stringify(l)).join('\n') + '\n');
  console.log('DEBUG daemon log:', daemonLog);
}
