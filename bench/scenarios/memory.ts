/**
 * Where a large wallet's memory goes: one daemon holding a wallet of 100k UTXOs (`--quick`:
 * 10k), its resident set size read after each stage (start-up and sync, balance reads, a history
 * page, coins read in pages, every coin in one answer, a quiet minute). The scale scenario's
 * single RSS figure is taken after its heaviest read; this one says which stage costs what.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fundOutputs, walletAddresses, waitForConfirmed } from '../lib/funding.ts';
import { startBenchDaemon, startRegtestNode, type BenchDaemon } from '../lib/daemon.ts';
import { rssMiB } from '../lib/proc-stats.ts';
import type { ScenarioResult } from '../lib/results.ts';
import type { BenchOptions, Scenario } from '../lib/scenario.ts';
import { fmt } from '../lib/stats.ts';

const COIN = 50_000n;
const TARGET_MIB = 250;

/** RSS, and from the daemon's /metrics the JS heap (used, total) and native external memory, in MiB. */
async function sample(d: BenchDaemon): Promise<number[]> {
  const text = await (await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${d.adminToken}` } })).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
  return [rssMiB(d.pid), gauge('nodejs_heap_size_used_bytes'), gauge('nodejs_heap_size_total_bytes'), gauge('nodejs_external_memory_bytes')];
}

async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const size = opts.quick ? 10_000 : 100_000;
  const node = await startRegtestNode();
  const datadir = mkdtempSync(join(tmpdir(), `walletd-bench-memory-${size}-`));
  const stages: Array<[string, number[]]> = [];
  try {
    let d = await startBenchDaemon({ node, datadir });
    const wallet = (await d.call<{ id: string }>('create_wallet', { name: `memory-${size}` })).id;
    await fundOutputs(node, await walletAddresses(d.call, wallet, 20), size, COIN);
    await waitForConfirmed(d.call, wallet, COIN * BigInt(size), 3_600_000);
    stages.push(['after the initial sync of the funding', await sample(d)]);
    await d.stop();
    d = await startBenchDaemon({ node, datadir });
    try {
      await waitForConfirmed(d.call, wallet, COIN * BigInt(size), 600_000);
      stages.push(['restarted and caught up', await sample(d)]);
      for (let i = 0; i < 1000; i++) await d.call('get_balance', { wallet });
      stages.push(['after 1,000 get_balance', await sample(d)]);
      for (let i = 0; i < 10; i++) await d.call('get_transaction_history', { wallet, limit: 100 });
      stages.push(['after 10 history pages of 100', await sample(d)]);
      let after: string | undefined;
      for (let read = 0; read < size; ) {
        const page = await d.call<Array<{ txid: string; vout: number }>>('get_unspent_outputs', { wallet, limit: 1000, ...(after ? { after } : {}) });
        if (page.length === 0) break;
        read += page.length;
        after = `${page.at(-1)!.txid}:${page.at(-1)!.vout}`;
      }
      stages.push(['after reading every coin in pages of 1,000', await sample(d)]);
      for (let i = 0; i < 3; i++) await d.call('get_unspent_outputs', { wallet });
      stages.push(['after 3 reads of every coin in one answer', await sample(d)]);
      await new Promise((r) => setTimeout(r, opts.quick ? 10_000 : 60_000));
      stages.push([`idle ${opts.quick ? 10 : 60} s later`, await sample(d)]);
    } finally {
      await d.stop();
    }
    const held = stages.find(([s]) => s.startsWith('after reading every coin in pages'))![1][0]!;
    return {
      scenario: 'memory',
      title: `Resident memory of a daemon holding a wallet of ${size.toLocaleString('en-US')} UTXOs, by stage`,
      headers: ['stage', 'RSS MiB', 'JS heap used', 'JS heap total', 'external'],
      rows: stages.map(([s, mib]) => [s, ...mib.map((m) => fmt(m))]),
      targets: [{ what: `RSS at ${size} holding the wallet (reads paged)`, target: `< ${TARGET_MIB} MB`, measured: `${fmt(held)} MiB`, met: held < TARGET_MIB }],
      notes: ['one daemon, one run; a single answer of every coin is an unpaged read the caller chose, measured separately.'],
      config: { size, coinSats: String(COIN) },
      raw: { stages },
    };
  } finally {
    await node.stop();
    rmSync(datadir, { recursive: true, force: true });
  }
}

/** Memory by stage at scale (issue 11's RSS target). */
export const memoryScenario: Scenario = { name: 'memory', describe: 'RSS of a daemon holding 100k UTXOs, stage by stage', run };
