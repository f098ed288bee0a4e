/**
 * Scenario 2, wallet at scale: one daemon per wallet size (1k, 10k, 100k UTXOs funded on the
 * real regtest node), restarted in rotated order each repeat to time start-up, reads, sends,
 * idle CPU and RSS; then a block of 1,000 new UTXOs, timed until get_balance shows it.
 * This measures today's ledger; `--label=before` / `--label=after` keep both results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fundOutputs, relayFeeRate, walletAddresses, waitForConfirmed } from '../lib/funding.ts';
import { interleave, timeMs } from '../lib/interleave.ts';
import { startLoadGenerator, type LoadGenerator } from '../lib/load.ts';
import { startBenchDaemon, startRegtestNode, type BenchDaemon, type RegtestNode } from '../lib/daemon.ts';
import { idleCpu, rssMiB } from '../lib/proc-stats.ts';
import { RESULTS_DIR, type ScenarioResult, type Target } from '../lib/results.ts';
import type { BenchOptions, Scenario } from '../lib/scenario.ts';
import { fmt, fmtSpread, spread } from '../lib/stats.ts';
import { writeRangeChart } from '../lib/svg.ts';

const COIN = 50_000n;

interface SizedWallet {
  size: number;
  datadir: string;
  wallet: string;
  expected: bigint;
}

/** Metrics of one daemon run of one wallet size. */
type Sample = Record<string, number>;

async function syncedDaemon(node: RegtestNode, w: SizedWallet, profileDir?: string): Promise<{ d: BenchDaemon; startupMs: number; syncMs: number }> {
  let d!: BenchDaemon;
  const startupMs = await timeMs(async () => {
    d = await startBenchDaemon({ node, datadir: w.datadir, ...(profileDir ? { profileDir } : {}) });
    const res = await fetch(`${d.url}/healthz`);
    if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
  });
  const tip = await node.rpc<number>('getblockcount');
  const syncMs = await timeMs(async () => {
    for (;;) {
      const info = await d.call<{ sync: { syncHeight: number | null } }>('get_wallet_info', { wallet: w.wallet });
      if ((info.sync.syncHeight ?? -1) >= tip) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  return { d, startupMs, syncMs };
}

async function build(node: RegtestNode, size: number): Promise<SizedWallet & { buildSyncMs: number }> {
  const datadir = mkdtempSync(join(tmpdir(), `walletd-bench-scale-${size}-`));
  const d = await startBenchDaemon({ node, datadir });
  try {
    const wallet = (await d.call<{ id: string }>('create_wallet', { name: `scale-${size}` })).id;
    const addrs = await walletAddresses(d.call, wallet, 20);
    await fundOutputs(node, addrs, size, COIN);
    const expected = COIN * BigInt(size);
    const buildSyncMs = await waitForConfirmed(d.call, wallet, expected, 3_600_000);
    return { size, datadir, wallet, expected, buildSyncMs };
  } finally {
    await d.stop();
  }
}

async function callMs(d: BenchDaemon, method: string, params: unknown): Promise<number> {
  return timeMs(() => d.call(method, params));
}

async function measure(node: RegtestNode, load: LoadGenerator, w: SizedWallet, opts: BenchOptions, withBlock: boolean): Promise<Sample> {
  const { d, startupMs, syncMs } = await syncedDaemon(node, w, opts.profileDir);
  try {
    const s: Sample = { 'start-up to /healthz ms': startupMs, 'catch-up sync after restart ms': syncMs };
    const job = (method: string, params: unknown, maxRequests: number) =>
      load.run({ target: { kind: 'http', origin: d.url, path: '/rpc' }, token: d.adminToken, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), connections: 1, durationMs: opts.quick ? 300 : 1500, warmupMs: 1, maxRequests });
    for (const [name, method, params, max] of [
      ['get_balance', 'get_balance', { wallet: w.wallet }, 5000],
      ['get_transaction_history (100)', 'get_transaction_history', { wallet: w.wallet, limit: 100 }, 500],
      ['get_unspent_outputs (all)', 'get_unspent_outputs', { wallet: w.wallet }, 50],
    ] as const) {
      const r = await job(method, params, max);
      if (r.errors > 0) throw new Error(`${name}: ${r.firstError}`);
      s[`${name} p50 ms`] = r.latencyUs.p50 / 1000;
      s[`${name} p99 ms`] = r.latencyUs.p99 / 1000;
    }
    s['RSS MiB'] = rssMiB(d.pid);
    const idle = await idleCpu(d.pid, opts.quick ? 3000 : 10_000);
    s['idle CPU % of a core'] = idle.percentOfCore;
    // The poll interval is 1 s, so CPU ms per second is CPU ms per poll.
    s['idle CPU ms per poll'] = idle.cpuMsPerSec;
    const fee = (await relayFeeRate(node)) + 1;
    for (const inputs of [1, 10, 100]) {
      const amount = Number(COIN) * inputs - Number(COIN) / 2;
      s[`send_transaction ${inputs} in ms`] = await callMs(d, 'send_transaction', { wallet: w.wallet, outputs: [{ address: node.minerAddress, amount }], feeRate: fee });
    }
    await node.mine(1);
    if (withBlock) {
      const before = BigInt((await d.call<{ confirmed: number }>('get_balance', { wallet: w.wallet })).confirmed);
      const addrs = await walletAddresses(d.call, w.wallet, 20);
      await fundOutputs(node, addrs, 1000, COIN, 1_000_000);
      // fundOutputs mined the block; the clock starts when the node has it.
      s['block of 1,000 UTXOs to get_balance ms'] = await waitForConfirmed(d.call, w.wallet, before + COIN * 1000n);
    }
    return s;
  } finally {
    await d.stop();
  }
}

async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const sizes = opts.quick ? [1000, 10_000] : [1000, 10_000, 100_000];
  const repeats = 3;
  const node = await startRegtestNode();
  const load = await startLoadGenerator();
  const wallets: Array<SizedWallet & { buildSyncMs: number }> = [];
  try {
    for (const size of sizes) {
      const t = await timeMs(async () => wallets.push(await build(node, size)));
      console.log(`  built a wallet of ${size} UTXOs in ${fmt(t / 1000)} s (its sync: ${fmt(wallets.at(-1)!.buildSyncMs / 1000)} s)`);
    }
    const res = await interleave<Sample>(
      wallets.map((w) => ({ name: String(w.size), run: (r) => measure(node, load, w, opts, r === repeats - 1) })),
      repeats,
    );
    const metrics = Object.keys(res.get(String(sizes[0]))!.at(-1)!);
    const lo = String(sizes[0]);
    const hi = String(sizes.at(-1));
    const med = (size: string, m: string) => spread(res.get(size)!.map((s) => s[m]).filter((x): x is number => x !== undefined));
    const rows = metrics.map((m) => [m, ...sizes.map((n) => fmtSpread(med(String(n), m))), `${fmt(med(hi, m).median / med(lo, m).median, 2)}x`]);
    rows.push(['initial sync of the funded wallet (ms, one run)', ...wallets.map((w) => fmt(w.buildSyncMs)), `${fmt(wallets.at(-1)!.buildSyncMs / wallets[0]!.buildSyncMs, 2)}x`]);
    const growth = (m: string) => med(hi, m).median / med(lo, m).median;
    const flat = ['get_balance p50 ms', 'get_transaction_history (100) p50 ms', 'get_unspent_outputs (all) p50 ms', 'send_transaction 1 in ms', 'send_transaction 10 in ms', 'send_transaction 100 in ms'];
    const targets: Target[] = [
      ...flat.map((m) => ({ what: `${m} growth ${lo}→${hi}`, target: '<= 2x', measured: `${fmt(growth(m), 2)}x`, met: growth(m) <= 2 })),
      { what: `get_balance p50 at ${hi}`, target: '< 2 ms', measured: `${fmt(med(hi, 'get_balance p50 ms').median)} ms`, met: med(hi, 'get_balance p50 ms').median < 2 },
      { what: `idle CPU at ${hi}`, target: '< 2% of a core', measured: `${fmt(med(hi, 'idle CPU % of a core').median)}%`, met: med(hi, 'idle CPU % of a core').median < 2 },
      { what: `RSS at ${hi}`, target: '< 250 MB', measured: `${fmt(med(hi, 'RSS MiB').median)} MiB`, met: med(hi, 'RSS MiB').median < 250 },
      { what: `start-up to /healthz at ${hi}`, target: '< 1 s', measured: `${fmt(med(hi, 'start-up to /healthz ms').median)} ms`, met: med(hi, 'start-up to /healthz ms').median < 1000 },
    ];
    writeRangeChart(join(RESULTS_DIR, `scale${opts.label ? `.${opts.label}` : ''}.svg`), 'Wallet at scale: p50 read latency (ms) by UTXO count', 'ms',
      ['get_balance p50 ms', 'get_transaction_history (100) p50 ms', 'get_unspent_outputs (all) p50 ms'].flatMap((m) => sizes.map((n) => ({ label: `${m.replace(' p50 ms', '')} @${n}`, ...med(String(n), m) }))));
    return {
      scenario: 'scale',
      title: `Wallet at scale (one daemon per size, ${repeats} interleaved restarts; median (min..max))`,
      headers: ['metric', ...sizes.map((n) => `${n.toLocaleString('en-US')} UTXOs`), `${hi}/${lo}`],
      rows,
      targets,
      notes: [
        'get_unspent_outputs has no paging: the call returns every coin.',
        'the block-of-1,000 figure is one run per size (the last round), since it grows the wallet.',
        'each round spends ~111 coins in the three sends and mines them, so the wallet shrinks slightly between rounds.',
      ],
      config: { sizes, repeats, coinSats: String(COIN), pollIntervalMs: 1000 },
      raw: { samples: Object.fromEntries(res), buildSyncMs: wallets.map((w) => ({ size: w.size, ms: w.buildSyncMs })) },
    };
  } finally {
    await load.close();
    await node.stop();
    for (const w of wallets) rmSync(w.datadir, { recursive: true, force: true });
  }
}

/** Scenario 2 of issue 10. */
export const scaleScenario: Scenario = { name: 'scale', describe: 'wallets of 1k/10k/100k UTXOs: reads, sends, idle CPU, RSS, start-up', run };
