/**
 * Launches a private regtest node (bitcoind, or Debian's litecoind) on free loopback ports: what
 * `walletd sandbox` runs for a newcomer, and what the test suite runs for every integration test.
 * The node authenticates with its cookie file, as bitcoind does by default, unless the caller
 * asks for a random user and password.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, delimiter, join } from 'node:path';
import { BitcoindRpc } from '../chain/bitcoind-rpc.ts';
import type { NetworkParams } from '../wallet/types.ts';

/** Where Debian's `litecoind` package puts the daemon. */
export const DEBIAN_LITECOIND = '/usr/lib/litecoin/litecoind';
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

/** A node executable and which chain it runs. */
export interface NodeBinary {
  path: string;
  kind: 'litecoind' | 'bitcoind';
}

/** Finds the node: `override`, then bitcoind on PATH, then Debian's litecoind, then litecoind on PATH. */
export function findNodeBinary(override?: string): NodeBinary {
  const kindOf = (path: string): NodeBinary['kind'] => (basename(path).includes('litecoin') ? 'litecoind' : 'bitcoind');
  if (override) {
    if (!isExecutable(override)) throw new Error(`${override} is not an executable file`);
    return { path: override, kind: kindOf(override) };
  }
  const onPath = (name: string) => (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name)).find(isExecutable);
  const bitcoind = onPath('bitcoind');
  if (bitcoind) return { path: bitcoind, kind: 'bitcoind' };
  if (isExecutable(DEBIAN_LITECOIND)) return { path: DEBIAN_LITECOIND, kind: 'litecoind' };
  const litecoind = onPath('litecoind');
  if (litecoind) return { path: litecoind, kind: 'litecoind' };
  throw new Error(`No regtest node found: put bitcoind on PATH, or run \`${INSTALL_HINT}\` (provides ${DEBIAN_LITECOIND}).`);
}

/** How to launch the node. */
export interface LaunchOptions {
  binary: NodeBinary;
  datadir: string;
  /** `cookie`: bitcoind's default `.cookie` file; `password`: a random rpcuser/rpcpassword. */
  auth: 'cookie' | 'password';
}

/** A running regtest node. */
export interface RegtestProcess {
  kind: NodeBinary['kind'];
  /** RPC URL without credentials. */
  url: string;
  user: string;
  password: string;
  /** The cookie file, when the node authenticates with one. */
  cookieFile: string | null;
  rpcPort: number;
  datadir: string;
  networkParams: NetworkParams;
  /** Node RPC without a wallet path. */
  base: BitcoindRpc;
  /** Node RPC of one of its wallets. */
  wallet(name: string): BitcoindRpc;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Stops the node over RPC and waits for it to exit (killing it after 10 s). */
  stop(): Promise<void>;
  /** Kills the process at once (for exit hooks). */
  kill(): void;
}

/** Starts the node and waits until its RPC answers. */
export async function launchRegtestNode(opts: LaunchOptions): Promise<RegtestProcess> {
  const [rpcPort, p2pPort] = [await freePort(), await freePort()];
  const creds = opts.auth === 'password' ? { user: 'u' + randomBytes(6).toString('hex'), password: randomBytes(18).toString('hex') } : null;
  const args = [
    '-regtest', `-datadir=${opts.datadir}`, '-server=1', '-rpcbind=127.0.0.1', '-rpcallowip=127.0.0.1',
    `-rpcport=${rpcPort}`, `-port=${p2pPort}`, '-listen=0', '-txindex=1', '-fallbackfee=0.0002',
    '-dustrelayfee=0.00003', '-printtoconsole=0', '-keypool=10', '-rpcworkqueue=64',
    // Each walletd daemon holds an RPC thread in its waitfornewblock long-poll; the default 4 starve.
    '-rpcthreads=16',
    ...(creds ? [`-rpcuser=${creds.user}`, `-rpcpassword=${creds.password}`] : []),
  ];
  // Litecoin turns RBF off by default, and MWEB activation would stop mining at height 432.
  if (opts.binary.kind === 'litecoind') args.push('-mempoolreplacement=1', '-vbparams=mweb:-2:-2');
  const child = spawn(opts.binary.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${rpcPort}/`;
  const cookieFile = creds ? null : join(opts.datadir, 'regtest', '.cookie');
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const { user, password } = creds ?? (await readCookie(cookieFile!, exited, () => stderr + debugLogTail(opts.datadir)));
    const rpc = (path = '') => new BitcoindRpc({ url: `${url}${path}`, user, password, timeoutMs: 60_000 });
    const base = rpc();
    await waitForRpc(base, exited, () => stderr + debugLogTail(opts.datadir));
    let stopping: Promise<void> | null = null;
    const stop = () => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        await base.call('stop').catch(() => undefined);
        const timer = setTimeout(kill, 10_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    };
    return {
      kind: opts.binary.kind, url, user, password, cookieFile, rpcPort, datadir: opts.datadir,
      networkParams: opts.binary.kind === 'litecoind' ? LITECOIN_REGTEST : BITCOIN_REGTEST,
      base, wallet: (name) => rpc(`wallet/${encodeURIComponent(name)}`), exited, stop, kill,
    };
  } catch (err) {
    kill();
    throw err;
  }
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

/** Whole coins as the node's RPC wants them, from sats, without floating-point arithmetic. */
export function satsToCoins(sats: bigint): number {
  const whole = sats / 100_000_000n;
  const frac = (sats % 100_000_000n).toString().padStart(8, '0');
  return Number(`${whole}.${frac}`);
}

/** Polls until the node writes its cookie (`user:password`) at start-up. */
async function readCookie(file: string, exited: Promise<number | null>, log: () => string): Promise<{ user: string; password: string }> {
  return pollUntil(exited, log, async () => {
    if (!existsSync(file)) return null;
    const text = readFileSync(file, 'utf8').trim();
    const at = text.indexOf(':');
    return at > 0 ? { user: text.slice(0, at), password: text.slice(at + 1) } : null;
  });
}

async function waitForRpc(rpc: BitcoindRpc, exited: Promise<number | null>, log: () => string): Promise<void> {
  // Connection refused or -28 "warming up" are retried until the deadline.
  await pollUntil(exited, log, () => rpc.call('getblockchaininfo').then(() => true, () => null));
}

/** Retries `probe` every 100 ms for 60 s; fails early, with the node's log, if the node exits. */
async function pollUntil<T>(exited: Promise<number | null>, log: () => string, probe: () => Promise<T | null>): Promise<T> {
  let exitCode: number | null | undefined;
  void exited.then((c) => {
    exitCode = c;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`regtest node exited (code ${exitCode}) before RPC was up:\n${log()}`);
    const got = await probe();
    if (got !== null) return got;
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
