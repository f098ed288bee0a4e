/**
 * Profiles the daemon under one load with `node --cpu-prof` and writes the top self-time
 * functions to bench/results/profile-<mode>.md (the raw .cpuprofile stays in results/profiles/):
 *   node --import tsx bench/profile/profile-daemon.ts <mode> [--utxos=N] [--seconds=S]
 * modes: rpc (get_balance, 10 conns), sign (100-input P2WPKH), idle, startup, send, rescan, cli.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBusyChain } from '../lib/chain-builder.ts';
import { startBenchDaemon, startRegtestNode, type BenchDaemon } from '../lib/daemon.ts';
import { fundOutputs, relayFeeRate, walletAddresses, waitForConfirmed } from '../lib/funding.ts';
import { startLoadGenerator } from '../lib/load.ts';
import { RESULTS_DIR } from '../lib/results.ts';
import { summaryMarkdown } from './summarize-cpuprofile.ts';

const mode = process.argv[2] ?? 'rpc';
const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const utxos = arg('utxos', mode === 'rpc' ? 0 : 1000);
const seconds = arg('seconds', 5);
const COIN = 50_000n;

const profileRoot = join(RESULTS_DIR, 'profiles');
mkdirSync(profileRoot, { recursive: true });
const dir = mkdtempSync(join(profileRoot, `${mode}-`));

async function funded(d: BenchDaemon, node: Awaited<ReturnType<typeof startRegtestNode>>, n: number, addressType = 'p2wpkh', coin = COIN): Promise<string> {
  const wallet = (await d.call<{ id: string }>('create_wallet', { name: `prof-${addressType}`, addressType })).id;
  if (n > 0) {
    await fundOutputs(node, await walletAddresses(d.call, wallet, 20), n, coin);
    await waitForConfirmed(d.call, wallet, coin * BigInt(n), 3_600_000);
  }
  return wallet;
}

let what = '';
if (mode === 'cli') {
  const node = await startRegtestNode();
  const d = await startBenchDaemon({ node });
  const wallet = await funded(d, node, 0);
  const bin = fileURLToPath(new URL('../../bin/walletctl.mjs', import.meta.url));
  for (let i = 0; i < 3; i++) {
    spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, bin, '--datadir', d.datadir, 'get_balance', '--wallet', wallet], { stdio: 'ignore' });
  }
  what = 'three `walletctl get_balance` processes (the profile of one of them)';
  await d.stop();
  await node.stop();
} else {
  const node = await startRegtestNode();
  const datadir = mkdtempSync(join(tmpdir(), 'walletd-bench-prof-'));
  const setup = await startBenchDaemon({ node, datadir });
  const feeRate = (await relayFeeRate(node)) + 1;
  // A sign coin pays more than the whole 100-input fee, so the draft must take every coin.
  const coin = mode === 'sign' ? BigInt(Math.ceil(100 * 70 * feeRate * 1.5) + 10_000) : COIN;
  const wallet = mode === 'rescan' ? '' : await funded(setup, node, mode === 'sign' ? 100 : utxos, 'p2wpkh', coin);
  let xpub = '';
  if (mode === 'rescan') {
    const id = (await setup.call<{ id: string }>('create_wallet', { name: 'src' })).id;
    const addrs = await walletAddresses(setup.call, id, 20);
    xpub = (await setup.call<{ xpub: string }>('get_wallet_info', { wallet: id })).xpub;
    await setup.stop();
    await buildBusyChain(node, addrs, 200, 100, 2000);
  } else {
    await setup.stop();
  }
  // A rescan imports the source wallet's xpub, so it needs a keystore that lacks that wallet.
  const runDir = mode === 'rescan' ? mkdtempSync(join(tmpdir(), 'walletd-bench-prof-')) : datadir;
  const d = await startBenchDaemon({ node, datadir: runDir, profileDir: dir, profileOnSignal: mode !== 'startup' });
  // Load profiles start once the daemon has caught up, so start-up does not dilute them.
  if (mode !== 'startup') {
    if (wallet) await waitForConfirmed(d.call, wallet, utxos > 0 || mode === 'sign' ? coin * BigInt(mode === 'sign' ? 100 : utxos) : 0n);
    d.startProfile();
  }
  const fee = feeRate;
  if (mode === 'rpc') {
    const load = await startLoadGenerator();
    const r = await load.run({ target: { kind: 'http', origin: d.url, path: '/rpc' }, token: d.adminToken, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'get_balance', params: { wallet } }), connections: 10, durationMs: seconds * 1000, warmupMs: 200 });
    await load.close();
    if (r.errors > 0) throw new Error(`get_balance errors: ${r.firstError}`);
    what = `get_balance over HTTP, 10 connections, ${seconds} s, wallet of ${utxos} UTXOs: ${r.reqPerSec.toFixed(0)} req/s`;
  } else if (mode === 'sign') {
    for (let i = 0; i < 3; i++) {
      await d.call('sign_transaction', { wallet, outputs: [{ address: node.minerAddress, amount: 99 * Number(coin) }], feeRate: fee });
      await d.call('release_outputs', { wallet });
    }
    what = 'three 100-input P2WPKH sign_transaction calls';
  } else if (mode === 'send') {
    for (let i = 0; i < 5; i++) await d.call('send_transaction', { wallet, outputs: [{ address: node.minerAddress, amount: 10_000 }], feeRate: fee });
    what = `five 1-output send_transaction calls from a wallet of ${utxos} UTXOs`;
  } else if (mode === 'idle') {
    await new Promise((r) => setTimeout(r, seconds * 1000));
    what = `${seconds} s idle (polls every 1 s), wallet of ${utxos} UTXOs`;
  } else if (mode === 'startup') {
    what = `start-up to /healthz and first sync, wallet of ${utxos} UTXOs`;
    await new Promise((r) => setTimeout(r, 1500));
  } else if (mode === 'rescan') {
    const id = (await d.call<{ id: string }>('import_wallet', { xpub, addressType: 'p2wpkh', birthHeight: 0, name: 'rescan' })).id;
    const tip = await node.rpc<number>('getblockcount');
    for (;;) {
      const info = await d.call<{ sync: { syncHeight: number | null } }>('get_wallet_info', { wallet: id });
      if ((info.sync.syncHeight ?? -1) >= tip) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    what = `watch-only import and rescan of ${tip + 1} blocks (100 wallet txs among 2,000 others)`;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  await d.stop();
  await node.stop();
  rmSync(datadir, { recursive: true, force: true });
  rmSync(runDir, { recursive: true, force: true });
}

const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
if (files.length === 0) throw new Error(`no .cpuprofile written in ${dir}`);
const md = `# Profile: ${mode}\n\n${what}. Self time by function, from \`node --cpu-prof\` of the ${mode === 'cli' ? 'walletctl process' : 'daemon'}.\n\n${summaryMarkdown(JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')), 15)}\n`;
const out = join(RESULTS_DIR, `profile-${mode}.md`);
writeFileSync(out, md);
console.log(md);
console.log(`wrote ${out}`);
