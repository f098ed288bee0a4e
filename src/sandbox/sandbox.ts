/**
 * `walletd sandbox` (SPEC §9): a newcomer's first five minutes. A private regtest node lives
 * inside walletd's data dir, a walletd follows it, and a wallet is funded with mature coins, so
 * `walletctl --datadir DIR` works at once. While it runs, a block is mined whenever the mempool
 * holds something, so a send confirms without anyone knowing what `generatetoaddress` is.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { BitcoindRpc } from '../chain/bitcoind-rpc.ts';
import { loadConfig } from '../config/load-config.ts';
import { ADMIN_TOKEN_FILE_NAME, startDaemon, type DaemonHandle } from '../server/daemon.ts';
import { findNodeBinary, launchRegtestNode, satsToCoins, type RegtestProcess } from './regtest-node.ts';

/** Coins the sandbox wallet starts with: three payments, so coin selection has a choice. */
const FUNDING_SATS = [100_000_000n, 200_000_000n, 500_000_000n];
const WALLET_NAME = 'sandbox';
const MINER_WALLET = 'miner';

/** What `walletd sandbox` was asked for. */
export interface SandboxOptions {
  datadir: string;
  /** A node executable instead of the one found on PATH. */
  nodeBinary?: string;
  /** Seconds between checks of the mempool for something to mine; 0 never mines on its own. */
  mineEverySec: number;
  /** walletd's HTTP port; 0 (the default) takes a free one at every start. */
  rpcPort?: number;
  logger: Logger;
}

/** A running sandbox. */
export interface Sandbox {
  datadir: string;
  walletId: string;
  /** Lines that tell the user how to reach everything. */
  banner: string[];
  stop(): Promise<void>;
}

/** Starts the node, the daemon and the funded wallet; stop() ends both. */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const datadir = resolve(opts.datadir);
  const nodeDir = join(datadir, 'node');
  mkdirSync(nodeDir, { recursive: true, mode: 0o700 });
  const binary = findNodeBinary(opts.nodeBinary);
  const node = await launchRegtestNode({ binary, datadir: nodeDir, auth: 'cookie' });
  let daemon: DaemonHandle | null = null;
  let miner: NodeJS.Timeout | null = null;
  const stop = async () => {
    if (miner) clearInterval(miner);
    await daemon?.close('sandbox stop').catch(() => undefined);
    await node.stop();
  };
  try {
    const config = loadConfig({
      flags: {
        datadir, network: 'regtest', networkParams: JSON.stringify(node.networkParams),
        'chain.backend': 'bitcoind', 'chain.url': node.url, 'chain.user': node.user, 'chain.password': node.password,
        // A free port by default, so the sandbox never collides with a walletd already on 7380.
        'rpc.port': String(opts.rpcPort ?? 0),
        // Regtest has no fee estimates; say so explicitly rather than lean on a silent default.
        'fees.fallbackFeeRate': '2',
      },
    });
    daemon = await startDaemon(config, opts.logger);
    const rpc = daemonRpc(daemon.httpAddress, readFileSync(join(datadir, ADMIN_TOKEN_FILE_NAME), 'utf8').trim());
    const minerRpc = await minerWallet(node);
    const minerAddress = await minerRpc.call<string>('getnewaddress', '', 'bech32');
    const walletId = await fundedWallet(rpc, node, minerRpc, minerAddress);
    if (opts.mineEverySec > 0) miner = mineWhenBusy(node, minerRpc, minerAddress, opts.mineEverySec * 1000, opts.logger);
    const cli = binary.kind === 'litecoind' ? 'litecoin-cli' : 'bitcoin-cli';
    const banner = [
      `walletd sandbox is ready: ${binary.kind} regtest at ${binary.path}`,
      `  wallet       ${WALLET_NAME} (${walletId}), funded with mature coins`,
      `  JSON-RPC     ${daemon.httpAddress}/rpc  (WebSocket ${daemon.httpAddress.replace('http', 'ws')}/ws)`,
      `  unix socket  ${daemon.socketPath}`,
      `  admin token  ${join(datadir, ADMIN_TOKEN_FILE_NAME)}`,
      `  try          walletctl --datadir ${datadir} get_balance`,
      opts.mineEverySec > 0 ? `  blocks       mined every ${opts.mineEverySec} s while the mempool holds a transaction` : '  blocks       mined only on request (next line)',
      `  node         ${cli} -regtest -datadir=${nodeDir} -rpcport=${node.rpcPort} -rpcwallet=${MINER_WALLET} generatetoaddress 1 ${minerAddress}`,
      '  stop         Ctrl-C (or SIGTERM): stops walletd and the node; the data stays for next time',
    ];
    return { datadir, walletId, banner, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

type Call = <T>(method: string, params?: Record<string, unknown>) => Promise<T>;

/** JSON-RPC over the daemon's HTTP listener with the admin token. */
function daemonRpc(httpAddress: string, token: string): Call {
  let id = 0;
  return async <T>(method: string, params: Record<string, unknown> = {}) => {
    const res = await fetch(`${httpAddress}/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };
}

/** The node wallet that mines and pays; created on the first run, loaded on the next ones. */
async function minerWallet(node: RegtestProcess): Promise<BitcoindRpc> {
  const loaded = await node.base.call<string[]>('listwallets');
  if (!loaded.includes(MINER_WALLET)) {
    await node.base.call('loadwallet', MINER_WALLET).catch(() => node.base.call('createwallet', MINER_WALLET));
  }
  return node.wallet(MINER_WALLET);
}

/** The sandbox wallet, created and funded with confirmed coins on the first run. */
async function fundedWallet(rpc: Call, node: RegtestProcess, miner: BitcoindRpc, minerAddress: string): Promise<string> {
  const wallets = await rpc<Array<{ id: string; name: string }>>('list_wallets');
  const existing = wallets.find((w) => w.name === WALLET_NAME);
  if (existing) return existing.id;
  const { id } = await rpc<{ id: string }>('create_wallet', { name: WALLET_NAME });
  // Coinbases mature after 100 confirmations: at height 110 the miner holds ten mature ones, and
  // the wallet is paid from those (mining straight to it would leave it 100 blocks of immature coins).
  const height = await node.base.call<number>('getblockcount');
  if (height < 110) await miner.call('generatetoaddress', 110 - height, minerAddress);
  for (const sats of FUNDING_SATS) {
    const { address } = await rpc<{ address: string }>('generate_address', { wallet: id, label: 'sandbox funding' });
    await miner.call('sendtoaddress', address, satsToCoins(sats));
  }
  await miner.call('generatetoaddress', 1, minerAddress);
  const want = FUNDING_SATS.reduce((a, b) => a + b, 0n);
  const deadline = Date.now() + 60_000;
  while (BigInt((await rpc<{ confirmed: number }>('get_balance', { wallet: id })).confirmed) < want) {
    if (Date.now() > deadline) throw new Error('the sandbox wallet did not see its funding within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return id;
}

/** Mines one block whenever the mempool is not empty, checking every `intervalMs`. */
function mineWhenBusy(node: RegtestProcess, miner: BitcoindRpc, address: string, intervalMs: number, logger: Logger): NodeJS.Timeout {
  let busy = false;
  return setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      const pool = await node.base.call<string[]>('getrawmempool');
      if (pool.length > 0) {
        await miner.call('generatetoaddress', 1, address);
        logger.info({ txs: pool.length }, 'sandbox mined a block');
      }
    })().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'sandbox could not mine'))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
}
