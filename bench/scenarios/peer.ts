/**
 * Scenario 5, the peer: walletd against bcoin 1.0.2's wallet server (in its own process,
 * `memory: true`, so it never writes to disk), driven by the same load generator on a wallet of
 * 1,000 UTXOs each: balance and history throughput, and address, send and create latency.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PeerReady } from '../peers/bcoin-peer.ts';
import { fundOutputs, relayFeeRate, walletAddresses, waitForConfirmed } from '../lib/funding.ts';
import { interleave } from '../lib/interleave.ts';
import { startLoadGenerator, type LoadJob, type LoadResult } from '../lib/load.ts';
import { startBenchDaemon, startRegtestNode } from '../lib/daemon.ts';
import { writeBytes } from '../lib/proc-stats.ts';
import type { ScenarioResult, Target } from '../lib/results.ts';
import type { BenchOptions, Scenario } from '../lib/scenario.ts';
import { fmt, fmtSpread, ratios, spread } from '../lib/stats.ts';

const PEER = fileURLToPath(new URL('../peers/bcoin-peer.ts', import.meta.url));
const PEERS_DIR = fileURLToPath(new URL('../peers', import.meta.url));
const PEER_MODULES = fileURLToPath(new URL('../peers/node_modules/bcoin', import.meta.url));
const UTXOS = 1000;
const COIN = 50_000;

async function startPeer(): Promise<{ child: ChildProcess; ready: PeerReady }> {
  if (!existsSync(PEER_MODULES)) {
    // A fresh clone: install the peer from bench/peers/package-lock.json, outside walletd's own tree.
    console.log('  installing bcoin 1.0.2 into bench/peers (npm ci, about a minute)');
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEERS_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0 || !existsSync(PEER_MODULES)) throw new Error('could not install bcoin into bench/peers (npm ci failed)');
  }
  const child = fork(PEER, [String(UTXOS), String(COIN)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  const ready = await new Promise<PeerReady>((resolve, reject) => {
    child.once('message', (m) => resolve(m as PeerReady));
    child.once('exit', (c) => reject(new Error(`bcoin peer exited ${c}: ${err}`)));
  });
  return { child, ready };
}

/** One operation as each system spells it; everything else about the call is shared. */
interface Op {
  name: string;
  walletd: Pick<LoadJob, 'body'>;
  bcoin: Pick<LoadJob, 'body' | 'method'> & { path: string };
  connections: number;
  maxRequests?: number;
  kind: 'throughput' | 'latency';
}

async function run(opts: BenchOptions): Promise<ScenarioResult> {
  const repeats = 3;
  const node = await startRegtestNode();
  const d = await startBenchDaemon({ node });
  const load = await startLoadGenerator();
  let peer: Awaited<ReturnType<typeof startPeer>> | null = null;
  try {
    const wallet = (await d.call<{ id: string }>('create_wallet', { name: 'peer-bench' })).id;
    await fundOutputs(node, await walletAddresses(d.call, wallet, 20), UTXOS, BigInt(COIN));
    await waitForConfirmed(d.call, wallet, BigInt(UTXOS * COIN));
    peer = await startPeer();
    const p = peer.ready;
    const fee = (await relayFeeRate(node)) + 1;
    const rpc = (method: string, params: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
    const w = `/wallet/${p.walletId}`;
    const ops: Op[] = [
      { name: 'get_balance', kind: 'throughput', connections: 10, walletd: { body: rpc('get_balance', { wallet }) }, bcoin: { method: 'GET', path: `${w}/balance`, body: '' } },
      { name: 'history (last 100)', kind: 'throughput', connections: 10, walletd: { body: rpc('get_transaction_history', { wallet, limit: 100 }) }, bcoin: { method: 'GET', path: `${w}/tx/last?limit=100`, body: '' } },
      { name: 'generate_address', kind: 'latency', connections: 1, maxRequests: opts.quick ? 20 : 100, walletd: { body: rpc('generate_address', { wallet }) }, bcoin: { method: 'POST', path: `${w}/address`, body: '{"account":"default"}' } },
      {
        name: 'send_transaction', kind: 'latency', connections: 1, maxRequests: opts.quick ? 5 : 20,
        walletd: { body: rpc('send_transaction', { wallet, outputs: [{ address: node.minerAddress, amount: 10_000 }], feeRate: fee }) },
        bcoin: { method: 'POST', path: `${w}/send`, body: JSON.stringify({ outputs: [{ address: p.payTo, value: 10_000 }], rate: fee * 1000 }) },
      },
      { name: 'create_wallet', kind: 'latency', connections: 1, maxRequests: opts.quick ? 3 : 10, walletd: { body: rpc('create_wallet', { name: 'cw-{{n}}' }) }, bcoin: { method: 'PUT', path: '/wallet/cw{{n}}', body: '{"witness":true}' } },
    ];
    const bcoinAuth = `Basic ${Buffer.from(`x:${p.apiKey}`).toString('base64')}`;
    const durationMs = opts.quick ? 500 : 2000;
    const writes0 = { walletd: writeBytes(d.pid), bcoin: writeBytes(peer.child.pid!) };
    const rows: string[][] = [];
    const targets: Target[] = [];
    const raw: Record<string, Record<string, LoadResult[]>> = {};
    for (const op of ops) {
      const base = { connections: op.connections, durationMs: op.kind === 'latency' ? 120_000 : durationMs, warmupMs: op.kind === 'latency' ? 0 : 200, ...(op.maxRequests ? { maxRequests: op.maxRequests } : {}) };
      const res = await interleave<LoadResult>([
        { name: 'walletd', run: () => load.run({ ...base, target: { kind: 'http', origin: d.url, path: '/rpc' }, token: d.adminToken, body: op.walletd.body }).then(check) },
        { name: 'bcoin', run: () => load.run({ ...base, target: { kind: 'http', origin: p.walletUrl, path: op.bcoin.path }, method: op.bcoin.method ?? 'POST', headers: { authorization: bcoinAuth }, expect: 'status', body: op.bcoin.body }).then(check) },
      ], repeats);
      raw[op.name] = Object.fromEntries(res);
      const wd = res.get('walletd')!;
      const bc = res.get('bcoin')!;
      const metric = (r: LoadResult) => (op.kind === 'throughput' ? r.reqPerSec : r.latencyUs.p50 / 1000);
      const ratio = ratios(wd.map(metric), bc.map(metric));
      const unit = op.kind === 'throughput' ? 'req/s' : 'p50 ms';
      rows.push([`${op.name} (${op.kind === 'throughput' ? `${op.connections} callers` : 'sequential'})`, unit, fmtSpread(spread(wd.map(metric))), fmtSpread(spread(bc.map(metric))), fmtSpread(ratio, 2)]);
      if (op.kind === 'throughput') targets.push({ what: `${op.name} throughput vs bcoin`, target: '>= 1x', measured: `${fmt(ratio.median, 2)}x`, met: ratio.median >= 1 });
      if (op.name === 'send_transaction') targets.push({ what: 'send latency vs bcoin', target: '<= 1x', measured: `${fmt(ratio.median, 2)}x`, met: ratio.median <= 1 });
    }
    const written = { walletd: writeBytes(d.pid) - writes0.walletd, bcoin: writeBytes(peer.child.pid!) - writes0.bcoin };
    return {
      scenario: 'peer',
      title: `walletd vs bcoin 1.0.2 wallet server, ${UTXOS}-UTXO wallets (${repeats} interleaved repeats; median (min..max))`,
      headers: ['operation', 'unit', 'walletd', 'bcoin', 'walletd/bcoin'],
      rows,
      targets,
      notes: [
        `bcoin runs in its own process, in-process node + wallet plugin, memory: true: it does no disk writes (bytes written during the workload: walletd ${fmt(written.walletd)}, bcoin ${fmt(written.bcoin)}); walletd commits every write to its SQLCipher keystore (synchronous=FULL).`,
        `bcoin is on its own regtest chain (addresses ${p.prefix}1...), walletd on litecoind regtest; both wallets hold ${UTXOS} coins of ${COIN} sats.`,
        'same client code: the forked undici load generator; only the URL, method and body differ per system.',
        "bcoin as it installs on Node 20: bcrypto 0.3.7's and secp256k1 3.5's native addons do not build, so it hashes with node:crypto and signs in pure JS (elliptic).",
      ],
      config: { repeats, durationMs, utxos: UTXOS, coin: COIN, bytesWritten: written },
      raw,
    };
  } finally {
    if (peer && peer.child.exitCode === null) {
      const gone = new Promise((r) => peer!.child.once('exit', r));
      peer.child.kill('SIGTERM');
      await gone;
    }
    await load.close();
    await d.stop();
    await node.stop();
  }
}

function check(r: LoadResult): LoadResult {
  if (r.errors > 0) throw new Error(`${r.errors} errors, first: ${r.firstError}`);
  return r;
}

/** Scenario 5 of issue 10. */
export const peerScenario: Scenario = { name: 'peer', describe: 'walletd vs bcoin 1.0.2 wallet server, same client code', run };
