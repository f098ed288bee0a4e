/**
 * Starts a throwaway regtest node (litecoind or bitcoind) for integration tests: fresh datadir,
 * free ports, random RPC credentials, a funded node wallet. Tests fail, never skip, without one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { BitcoindRpc } from '../../src/chain/bitcoind-rpc.ts';
import type { NetworkParams } from '../../src/wallet/types.ts';

const LITECOIND = '/usr/lib/litecoin/litecoind';
const INSTALL_HINT = 'apt-get install -y litecoind';

/** Regtest parameters of Litecoin Core 0.21 (chainparams.cpp, CRegTestParams). */
export const LITECOIN_REGTEST: NetworkParams = {
  messagePrefix: '\x19Litecoin Signed Message:\n',
  bech32: 'rltc',
  bip32: { public: 0x043587cf, private: 0x04358394 },
  pubKeyHash: 0x6f,
  scriptHash: 0x3a,
  wif: 0xef,
};

/** Regtest parameters of Bitcoin Core (bitcoinjs-lib's `networks.regtest`). */
export const BITCOIN_REGTEST: NetworkParams = {
  messagePrefix: '\x18Bitcoin Signed Message:\n',
  bech32: 'bcrt',
  bip32: { public: 0x043587cf, private: 0x04358394 },
  pubKeyHash: 0x6f,
  scriptHash: 0xc4,
  wif: 0xef,
};

/** A running regtest node with a funded wallet, owned by one test file. */
export interface RegtestNode {
  kind: 'litecoind' | 'bitcoind';
  /** RPC URL without credentials. */
  url: string;
  user: string;
  password: string;
  networkParams: NetworkParams;
  /** An address of the node's own wallet; mined coins go here by default. */
  minerAddress: string;
  datadir: string;
  /** Calls a node RPC (wallet calls go to the harness wallet). */
  rpc<T>(method: string, ...params: unknown[]): Promise<T>;
  /** Mines `n` blocks to `address` (default: minerAddress); returns their hashes. */
  mine(n: number, address?: string): Promise<string[]>;
  /** Sends `sats` to `address` from the node's wallet; returns the txid (unconfirmed). */
  fund(address: string, sats: bigint): Promise<string>;
  /** Stops the node, waits for it to exit (kills it if needed) and removes its datadir. */
  stop(): Promise<void>;
}

interface NodeBinary {
  path: string;
  kind: 'litecoind' | 'bitcoind';
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Finds the node binary: $WALLETD_TEST_NODE, then bitcoind on PATH, then Debian's litecoind. */
export function findNodeBinary(): NodeBinary {
  const override = process.env.WALLETD_TEST_NODE;
  if (override) {
    if (!isExecutable(override)) throw new Error(`WALLETD_TEST_NODE=${override} is not an executable file`);
    return { path: override, kind: basename(override).includes('litecoin') ? 'litecoind' : 'bitcoind' };
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'bitcoind');
    if (isExecutable(candidate)) return { path: candidate, kind: 'bitcoind' };
  }
  if (isExecutable(LITECOIND)) return { path: LITECOIND, kind: 'litecoind' };
  throw new Error(
    `No regtest node found: set WALLETD_TEST_NODE, put bitcoind on PATH, or run \`${INSTALL_HINT}\` ` +
      `(provides ${LITECOIND}).`,
  );
}

/** Starts a node, creates its wallet and mines 101 blocks so the wallet has spendable coins. */
export async function startRegtestNode(): Promise<RegtestNode> {
  const bin = findNodeBinary();
  const datadir = mkdtempSync(join(tmpdir(), 'walletd-regtest-'));
  const [rpcPort, p2pPort] = [await freePort(), await freePort()];
  const user = 'u' + randomBytes(6).toString('hex');
  const password = randomBytes(18).toString('hex');
  const args = [
    '-regtest',
    `-datadir=${datadir}`,
    '-server=1',
    '-rpcbind=127.0.0.1',
    '-rpcallowip=127.0.0.1',
    `-rpcport=${rpcPort}`,
    `-port=${p2pPort}`,
    '-listen=0',
    '-txindex=1',
    '-fallbackfee=0.0002',
    `-rpcuser=${user}`,
    `-rpcpassword=${password}`,
    '-dustrelayfee=0.00003',
    '-printtoconsole=0',
    '-keypool=10',
    '-rpcworkqueue=64',
  ];
  // Litecoin turns RBF off by default, and MWEB activation would stop mining at height 432.
  if (bin.kind === 'litecoind') args.push('-mempoolreplacement=1', '-vbparams=mweb:-2:-2');

  const child = spawn(bin.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  installExitHook();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  exited.then(() => live.delete(child));

  const url = `http://127.0.0.1:${rpcPort}/`;
  const base = new BitcoindRpc({ url, user, password, timeoutMs: 60_000 });
  const wallet = new BitcoindRpc({ url: `${url}wallet/harness`, user, password, timeoutMs: 60_000 });
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      await base.call('stop').catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(datadir, { recursive: true, force: true });
  };

  try {
    await waitForRpc(base, exited, () => stderr + debugLogTail(datadir));
    await base.call('createwallet', 'harness');
    const minerAddress = await wallet.call<string>('getnewaddress', '', 'bech32');
    const node: RegtestNode = {
      kind: bin.kind,
      url,
      user,
      password,
      datadir,
      networkParams: bin.kind === 'litecoind' ? LITECOIN_REGTEST : BITCOIN_REGTEST,
      minerAddress,
      rpc: <T>(method: string, ...params: unknown[]) => wallet.call<T>(method, ...params),
      mine: (n, address = minerAddress) => wallet.call<string[]>('generatetoaddress', n, address),
      fund: (address, sats) => wallet.call<string>('sendtoaddress', address, satsToCoins(sats)),
      stop,
    };
    // Coinbase outputs mature after 100 confirmations (consensus COINBASE_MATURITY).
    await node.mine(101);
    return node;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts one node per test file (beforeAll) and stops it (afterAll); read `.node` inside tests. */
export function useRegtestNode(): { readonly node: RegtestNode } {
  let node: RegtestNode | undefined;
  beforeAll(async () => {
    node = await startRegtestNode();
  });
  afterAll(async () => {
    await node?.stop();
  });
  return {
    get node(): RegtestNode {
      if (!node) throw new Error('regtest node not started (use it inside tests or hooks)');
      return node;
    },
  };
}

/** A port that was free a moment ago: bind port 0 and read what the kernel chose. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function satsToCoins(sats: bigint): number {
  const whole = sats / 100_000_000n;
  const frac = (sats % 100_000_000n).toString().padStart(8, '0');
  return Number(`${whole}.${frac}`);
}

async function waitForRpc(rpc: BitcoindRpc, exited: Promise<number | null>, log: () => string): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((c) => {
    exitCode = c;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`regtest node exited (code ${exitCode}) before RPC was up:\n${log()}`);
    try {
      await rpc.call('getblockchaininfo');
      return;
    } catch {
      // Connection refused or -28 "warming up": retry until the deadline.
    }
    if (Date.now() > deadline) throw new Error(`regtest node RPC did not answer within 60 s:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function debugLogTail(datadir: string): string {
  const file = join(datadir, 'regtest', 'debug.log');
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed test worker must not leave orphan nodes holding ports and disk.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}
