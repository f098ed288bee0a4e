/**
 * Bench daemons: the real `walletd` bin started with the test harness's helpers, with the rate
 * limit lifted and, on request, `node --cpu-prof` on, plus a tiny JSON-RPC caller for set-up.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chainEnv, startDaemonProcess } from '../../test/daemon/daemon-process.ts';
import { ok, startChainDaemon, type RunningDaemon } from '../../test/e2e/e2e-helpers.ts';
import { startRegtestNode, type RegtestNode } from '../../test/harness/regtest-node.ts';
import type { BaselineAddrs } from './baseline-server.ts';

/** Config every bench daemon gets: no rate limit in the way of the load. */
export const BENCH_ENV: Record<string, string> = {
  WALLETD_RPC_RATE_LIMIT_PER_MIN: '100000000',
  // The default poll interval, not the tests' faster one: the bench measures what users run.
  WALLETD_CHAIN_POLL_INTERVAL_MS: '1000',
};

/** A running bench daemon. */
export interface BenchDaemon {
  url: string;
  socket: string;
  wsUrl: string;
  datadir: string;
  adminToken: string;
  pid: number;
  call<T = Record<string, unknown>>(method: string, params?: unknown, token?: string): Promise<T>;
  /** Starts a profile deferred by `profileOnSignal`. */
  startProfile(): void;
  stop(): Promise<void>;
}

/** Options of {@link startBenchDaemon}. */
export interface DaemonOptions {
  node?: RegtestNode;
  env?: Record<string, string>;
  /** Writes a V8 CPU profile of the daemon into this folder when it stops. */
  profileDir?: string;
  /** With profileDir: profile only from SIGUSR2 on (see {@link BenchDaemon.startProfile}). */
  profileOnSignal?: boolean;
  /** Reuse a data dir (a restart); it is then not removed at stop. */
  datadir?: string;
  /** node's flags; by default the bin's shebang flags (its heap cap), as a user's `walletd` runs. */
  nodeFlags?: readonly string[];
}

const PRELOAD = fileURLToPath(new URL('../profile/cpu-prof-preload.mjs', import.meta.url));

// NODE_OPTIONS refuses --cpu-prof, so a preload runs the same V8 profiler (see the preload).
function profileEnv(dir: string | undefined): Record<string, string> {
  return dir ? { NODE_OPTIONS: `--import=${PRELOAD}`, BENCH_CPU_PROF_DIR: dir } : {};
}

const live = new Set<RunningDaemon['child']>();
// A scenario that throws must not leave daemons polling a node that is gone.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts `node bin/walletd.mjs` on a fresh data dir (following `node` when given). */
export async function startBenchDaemon(opts: DaemonOptions = {}): Promise<BenchDaemon> {
  const datadir = opts.datadir ?? mkdtempSync(join(tmpdir(), 'walletd-bench-'));
  const env = { ...BENCH_ENV, ...profileEnv(opts.profileDir), ...(opts.profileOnSignal ? { BENCH_CPU_PROF_ON_SIGNAL: '1' } : {}), ...(opts.env ?? {}) };
  let d: RunningDaemon;
  if (opts.node) {
    d = await startChainDaemon(opts.node, datadir, env, [], opts.nodeFlags);
  } else {
    const p = await startDaemonProcess(datadir, [], env, opts.nodeFlags);
    d = Object.assign(p, { datadir, adminToken: readFileSync(join(datadir, 'admin.token'), 'utf8').trim() });
  }
  const owned = opts.datadir === undefined;
  live.add(d.child);
  void d.exited.then(() => live.delete(d.child));
  return {
    url: d.url,
    socket: d.socket,
    wsUrl: `${d.url.replace('http', 'ws')}/ws`,
    datadir,
    adminToken: d.adminToken,
    pid: d.child.pid!,
    call: (method, params = {}, token = d.adminToken) => ok(d, token, method, params),
    startProfile: () => d.child.kill('SIGUSR2'),
    async stop() {
      if (d.child.exitCode === null && d.child.signalCode === null) {
        d.child.kill('SIGTERM');
        const timer = setTimeout(() => d.child.kill('SIGKILL'), 15_000);
        await d.exited;
        clearTimeout(timer);
      }
      if (owned) rmSync(datadir, { recursive: true, force: true });
    },
  };
}

/** Mints a token with `scopes` through the admin token; returns the token string. */
export async function mintToken(d: BenchDaemon, scopes: string[]): Promise<string> {
  const created = await d.call<{ token: string }>('token_create', { name: `bench-${scopes.join('-')}`, scopes });
  return created.token;
}

/** The baseline servers' process and addresses. */
export interface Baselines {
  bare: BaselineAddrs;
  jsonrpc: BaselineAddrs;
  stop(): Promise<void>;
}

/** Forks bench/lib/baseline-server.ts and waits for its addresses. */
export async function startBaselines(): Promise<Baselines> {
  const child = fork(fileURLToPath(new URL('./baseline-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const addrs = await new Promise<{ bare: BaselineAddrs; jsonrpc: BaselineAddrs }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { bare: BaselineAddrs; jsonrpc: BaselineAddrs }));
    child.once('exit', (c) => reject(new Error(`baseline server exited ${c}`)));
  });
  return {
    ...addrs,
    async stop() {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

export { startRegtestNode, chainEnv, type RegtestNode };
