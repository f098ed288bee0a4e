/**
 * Scenario 4, sync: a watch-only import of a wallet whose 1,000 payments sit among 20,000
 * other transactions in 2,000 blocks, scanned by walletd's bitcoind and esplora adapters and by
 * litecoind's own wallet (`rescanblockchain` on a watch-only wallet with the same descriptors),
 * interleaved in one run; then block-to-notification latency on a subscribed WebSocket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { BitcoindRpc } from '../../src/chain/bitcoind-rpc.ts';
import { startEsploraServer } from '../../test/harness/esplora-server.ts';
import { buildBusyChain } from '../lib/chain-builder.ts';
import { walletAddresses } from '../lib/funding.ts';
import { interleave, timeMs } from '../lib/interleave.ts';
import { startBenchDaemon, startRegtestNode, type BenchDaemon, type RegtestNode } from '../lib/daemon.ts';
import { RESULTS_DIR, type ScenarioResult } from '../lib/results.ts';
import type { BenchOptions, Scenario } from '../lib/scenario.ts';
import { fmt, fmtSpread, percentiles, ratios, spread } from '../lib/stats.ts';
import { writeCdfChart } from '../lib/svg.ts';

interface WalletInfo {
  xpub: string;
  descriptors: { receive: string; change: string };
  sync: { syncHeight: number | null };
}

async function walletdRescan(node: RegtestNode, env: Record<string, string>, xpub: string, tip: number, sats: bigint, profileDir?: string): Promise<number> {
  const d = await startBenchDaemon({ node, env, ...(profileDir ? { profileDir } : {}) });
  try {
    let id = '';
    const ms = await timeMs(async () => {
      id = (await d.call<{ id: string }>('import_wallet', { xpub, addressType: 'p2wpkh', birthHeight: 0, name: 'rescan' })).id;
      for (;;) {
        const info = await d.call<WalletInfo>('get_wallet_info', { wallet: id });
        if ((info.sync.syncHeight ?? -1) >= tip) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    const bal = BigInt((await d.call<{ confirmed: number }>('get_balance', { wallet: id })).confirmed);
    if (bal !== sats) throw new Error(`walletd rescan found ${bal} sats, expected ${sats}`);
    return ms;
  } finally {
    await d.stop();
  }
}

async function nodeWatchWallet(node: RegtestNode, info: WalletInfo): Promise<BitcoindRpc> {
  const base = new BitcoindRpc({ url: node.url, user: node.user, password: node.password, timeoutMs: 600_000 });
  await base.call('createwallet', 'watch', true, true);
  const rpc = new BitcoindRpc({ url: `${node.url}wallet/watch`, user: node.user, password: node.password, timeoutMs: 600_000 });
  const requests = [];
  for (const [desc, internal] of [[info.descriptors.receive, false], [info.descriptors.change, true]] as const) {
    const plain = desc.replace(/#.*$/, '');
    const checked = (await base.call<{ descriptor: string }>('getdescriptorinfo', plain)).descriptor;
    requests.push({ desc: checked, range: [0, 200], timestamp: 0, watchonly: true, internal, keypool: false });
  }
  const res = await rpc.call<Array<{ success: boolean; error?: unknown }>>('importmulti', requests, { rescan: false });
  if (!res.every((r) => r.success)) throw new Error(`importmulti failed: ${JSON.stringify(res)}`);
  return rpc;
}

async function notificationLatency(node: RegtestNode, d: BenchDaemon, n: number): Promise<number[]> {
  const ws = new WebSocket(d.wsUrl, { headers: { authorization: `Bearer ${d.adminToken}` } });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const waiters = new Map<number, (t: bigint) => void>();
  const seen = new Map<number, bigint>();
  ws.on('message', (data) => {
    const t = process.hrtime.bigint();
    const msg = JSON.parse(data.toString()) as { method?: string; params?: { type?: string; data?: { height?: number } } };
    if (msg.method !== 'event' || msg.params?.type !== 'block') return;
    const h = msg.params.data?.height ?? -1;
    seen.set(h, t);
    waiters.get(h)?.(t);
  });
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { events: ['block'] } }));
  await new Promise((r) => setTimeout(r, 300));
  const out: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      // A random pause, so blocks land at every phase of the daemon's poll timer.
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 1000));
      const height = (await node.rpc<number>('getblockcount')) + 1;
      const arrived = new Promise<bigint>((resolve, reject) => {
        waiters.set(height, resolve);
        setTimeout(() => reject(new Error(`no block notification for height ${height} in 30 s`)), 30_000).unref();
      });
      await node.mine(1);
      const t0 = process.hrtime.bigint();
      const t1 = seen.get(height) ?? (await arrived);
      // A notification can beat generatetoaddress's own reply; that counts as 0.
      out.push(Math.max(0, Number(t1 - t0) / 1e6));
      waiters.delete(height);
    }
  } finally {
    ws.close();
  }
  return out;
}

async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const blocks = opts.quick ? 200 : 2000;
  const walletTxs = opts.quick ? 100 : 1000;
  const otherTxs = opts.quick ? 2000 : 20_000;
  const repeats = 3;
  const node = await startRegtestNode();
  const sourceDir = mkdtempSync(join(tmpdir(), 'walletd-bench-sync-'));
  let source: BenchDaemon | null = null;
  let esplora: { url: string; close(): Promise<void> } | null = null;
  try {
    // The source wallet hands out addresses and descriptors; its daemon is stopped while the
    // chain is built, so it does not compete for the CPU.
    source = await startBenchDaemon({ node, datadir: sourceDir });
    const walletId = (await source.call<{ id: string }>('create_wallet', { name: 'sync-source' })).id;
    const addrs = await walletAddresses(source.call, walletId, 20);
    const info = await source.call<WalletInfo>('get_wallet_info', { wallet: walletId });
    await source.stop();
    source = null;
    const t0 = process.hrtime.bigint();
    const built = await buildBusyChain(node, addrs, blocks, walletTxs, otherTxs);
    console.log(`  built ${blocks} blocks (${walletTxs} wallet txs among ${otherTxs} others) in ${fmt(Number(process.hrtime.bigint() - t0) / 1e9)} s ${JSON.stringify(built.spent)}`);
    const tip = built.tipHeight;
    const watch = await nodeWatchWallet(node, info);
    esplora = await startEsploraServer(node);
    // The esplora server indexes the chain on its first request; keep that out of the timing.
    await fetch(`${esplora.url}/blocks/tip/height`);
    const esploraEnv = { WALLETD_CHAIN_BACKEND: 'esplora', WALLETD_CHAIN_URL: esplora.url };
    const res = await interleave<number>([
      { name: 'walletd, bitcoind adapter', run: () => walletdRescan(node, {}, info.xpub, tip, built.walletSats, opts.profileDir) },
      { name: 'walletd, esplora adapter', run: () => walletdRescan(node, esploraEnv, info.xpub, tip, built.walletSats) },
      {
        name: 'litecoind rescanblockchain (watch-only)',
        run: async () => {
          const ms = await timeMs(() => watch.call('rescanblockchain', 0));
          const got = await watch.call<{ watchonly?: { trusted: number }; mine: { trusted: number } }>('getbalances');
          const sats = BigInt(Math.round((got.watchonly?.trusted ?? got.mine.trusted) * 1e8));
          if (sats !== built.walletSats) throw new Error(`node rescan found ${sats} sats, expected ${built.walletSats}`);
          return ms;
        },
      },
    ], repeats);
    const scanned = tip + 1;
    const bps = (k: string) => res.get(k)!.map((ms) => scanned / (ms / 1000));
    const nodeBps = bps('litecoind rescanblockchain (watch-only)');
    const rows = [...res].map(([k, v]) => [k, fmtSpread(spread(v)), fmtSpread(spread(bps(k))), fmtSpread(ratios(bps(k), nodeBps), 2)]);
    // Notification latency on the source wallet's daemon, once it has caught up with the chain.
    source = await startBenchDaemon({ node, datadir: sourceDir });
    for (;;) {
      const s = await source.call<WalletInfo>('get_wallet_info', { wallet: walletId });
      if ((s.sync.syncHeight ?? -1) >= tip) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const notes = await notificationLatency(node, source, opts.quick ? 10 : 30);
    const p = percentiles(notes);
    rows.push(['block → `block` notification on /ws (ms)', `p50 ${fmt(p.p50)}, p99 ${fmt(p.p99)}, max ${fmt(p.max)} (n=${p.n})`, '', '']);
    writeCdfChart(join(RESULTS_DIR, `sync-notify${opts.label ? `.${opts.label}` : ''}.svg`), 'Block to WebSocket `block` notification', 'ms', [{ label: 'walletd (poll 1 s)', samples: notes }]);
    const worst = Math.min(ratios(bps('walletd, bitcoind adapter'), nodeBps).median, ratios(bps('walletd, esplora adapter'), nodeBps).median);
    return {
      scenario: 'sync',
      title: `Sync: rescan of ${scanned} blocks (${walletTxs} wallet txs among ${otherTxs} others), ${repeats} interleaved repeats`,
      headers: ['scanner', 'ms', 'blocks/s', 'x litecoind'],
      rows,
      targets: [
        { what: 'rescan blocks/s vs litecoind (worst adapter)', target: '>= 1x', measured: `${fmt(worst, 2)}x`, met: worst >= 1 },
        { what: 'block notification p50', target: '< 100 ms', measured: `${fmt(p.p50)} ms`, met: p.p50 < 100 },
      ],
      notes: [
        'walletd time: import_wallet {xpub, birthHeight: 0} until get_wallet_info reports the tip, on a daemon started beforehand; the balance is checked after.',
        'the esplora adapter talks to test/harness/esplora-server.ts (indexes the node in the bench process; its index is warmed first).',
        `chain.pollIntervalMs is the default 1000 ms.`,
      ],
      config: { blocks, walletTxs, otherTxs, repeats, tip, walletSats: String(built.walletSats), buildMs: built.spent },
      raw: { rescanMs: Object.fromEntries(res), notificationMs: notes },
    };
  } finally {
    await esplora?.close();
    await source?.stop();
    await node.stop();
    rmSync(sourceDir, { recursive: true, force: true });
  }
}

/** Scenario 4 of issue 10. */
export const syncScenario: Scenario = { name: 'sync', describe: 'rescan vs litecoind, block notification latency', run };
