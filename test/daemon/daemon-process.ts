/**
 * Spawns the real `walletd` bin (with `node`, not `npx`, which rewrites exit codes) and reads
 * its JSON log lines, for the daemon lifecycle tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { RegtestNode } from '../harness/regtest-node.ts';

const BIN = fileURLToPath(new URL('../../bin/walletd.mjs', import.meta.url));
/** The node flags of the bin's shebang (its heap cap): the daemon runs as `walletd` on a PATH runs it. */
export const DAEMON_NODE_FLAGS = shebangNodeFlags(readFileSync(BIN, 'utf8'));

/** The flags after `node` in a `#!/usr/bin/env -S node ...` line. */
export function shebangNodeFlags(source: string): string[] {
  const words = (source.split('\n', 1)[0] ?? '').split(/\s+/);
  return words.slice(words.indexOf('node') + 1);
}
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A spawned daemon and what it has printed so far. */
export interface DaemonProcess {
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves with the first log line matching `pred`, or rejects if the process exits first. */
  waitForLog(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Starts `node <shebang flags> bin/walletd.mjs --datadir <datadir> --rpc-port 0 --log-level info ...args`. */
export function spawnDaemon(
  datadir: string,
  args: string[] = [],
  env: Record<string, string> = {},
  nodeFlags: readonly string[] = DAEMON_NODE_FLAGS,
): DaemonProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const key of Object.keys(childEnv)) {
    if (key.startsWith('WALLETD_') && !(key in env)) delete childEnv[key];
  }
  const child = spawn(process.execPath, [...nodeFlags, BIN, '--datadir', datadir, '--rpc-port', '0', '--log-level', 'info', ...args], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let err = '';
  let partial = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ raw: line });
      }
    }
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    logs,
    stderr: () => err,
    exited,
    waitForLog(pred, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = logs.find(pred);
          if (hit) {
            done();
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching log line; stderr: ${err}`));
        }, timeoutMs);
        const onExit = () => {
          setImmediate(() => {
            check();
            done();
            reject(new Error(`walletd exited before the expected log line; stderr: ${err}`));
          });
        };
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
  };
}

/** Starts a daemon and waits until it listens; returns its HTTP base URL and socket path. */
export async function startDaemonProcess(
  datadir: string,
  args: string[] = [],
  env: Record<string, string> = {},
  nodeFlags: readonly string[] = DAEMON_NODE_FLAGS,
): Promise<DaemonProcess & { url: string; socket: string }> {
  const d = spawnDaemon(datadir, args, env, nodeFlags);
  const line = await d.waitForLog((l) => typeof l.http === 'string' && typeof l.socket === 'string');
  return Object.assign(d, { url: line.http as string, socket: line.socket as string });
}

/** POSTs a JSON-RPC body over the unix socket. */
export function unixRpc(socketPath: string, token: string, body: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path: '/rpc', method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Environment that points a daemon at `node` (SPEC §7 config, through WALLETD_* variables). */
export function chainEnv(node: RegtestNode): Record<string, string> {
  return {
    WALLETD_NETWORK: 'regtest',
    WALLETD_NETWORK_PARAMS: JSON.stringify(node.networkParams),
    WALLETD_CHAIN_BACKEND: 'bitcoind',
    WALLETD_CHAIN_URL: node.url,
    WALLETD_CHAIN_USER: node.user,
    WALLETD_CHAIN_PASSWORD: node.password,
    WALLETD_CHAIN_POLL_INTERVAL_MS: '200',
    // A fresh regtest chain has no fee estimate; set the fallback explicitly, as Core's
    // functional tests pass -fallbackfee (tests of FEE_ESTIMATE_UNAVAILABLE drop it).
    WALLETD_FEES_FALLBACK_FEE_RATE: '2',
  };
}
