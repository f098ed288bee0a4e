/**
 * A real walletd daemon process following the differential test's node, on one datadir that
 * survives restarts (the "walletd restart" step). JSON-RPC over real HTTP, batched.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemonProcess, type DaemonProcess } from '../../daemon/daemon-process.ts';
import type { ChainNode } from './chain-node.ts';

/** A JSON-RPC error answered by walletd. */
export class WalletdCallError extends Error {
  /** The stable string code (SPEC §6), when the error has one. */
  readonly code: string | undefined;

  constructor(method: string, code: string | undefined, message: string) {
    super(`${method}: ${code ?? 'error'} ${message}`);
    this.code = code;
  }
}

/** One call of a walletd batch. */
export interface WalletdCall {
  method: string;
  params?: Record<string, unknown>;
}

/** A controllable walletd with one wallet. */
export interface WalletdControl {
  /** The id of the wallet under test. */
  readonly walletId: string;
  /** Calls a method of the wallet under test (`wallet` is added to params). */
  call<T>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Calls several methods in one HTTP request; each answer is a result or a {@link WalletdCallError}. */
  batch(calls: readonly WalletdCall[]): Promise<Array<unknown | WalletdCallError>>;
  /** SIGTERM and start again on the same datadir (the keystore key file stays). */
  restart(): Promise<void>;
  /** Stops the daemon and removes its datadir. */
  stop(): Promise<void>;
  /** The log lines of every daemon started so far (for WALLETD_DIFF_DEBUG). */
  logs(): ReadonlyArray<Record<string, unknown>>;
}

type Running = DaemonProcess & { url: string; token: string };

/** Starts walletd against `node` (through `chainUrl`, a proxy, when given) and creates a P2WPKH wallet without passphrase (no unlock needed to send). */
export async function startWalletd(node: ChainNode, opts: { chainUrl?: string } = {}): Promise<WalletdControl> {
  const datadir = mkdtempSync(join(tmpdir(), 'walletd-diff-'));
  const env = {
    WALLETD_NETWORK: 'regtest',
    WALLETD_NETWORK_PARAMS: JSON.stringify(node.networkParams),
    WALLETD_CHAIN_BACKEND: 'bitcoind',
    WALLETD_CHAIN_URL: opts.chainUrl ?? node.url,
    WALLETD_CHAIN_USER: node.user,
    WALLETD_CHAIN_PASSWORD: node.password,
    WALLETD_CHAIN_POLL_INTERVAL_MS: '100',
  };
  const launch = async (): Promise<Running> => {
    const d = await startDaemonProcess(datadir, [], env);
    // admin.token is a fresh cookie at every start (SPEC §4).
    return Object.assign(d, { token: readFileSync(join(datadir, 'admin.token'), 'utf8').trim() });
  };
  let d = await launch();
  const earlier: Array<Record<string, unknown>> = [];

  const post = async (body: unknown): Promise<unknown> => {
    const res = await fetch(`${d.url}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return res.json();
  };
  type Answer = { id?: number; result?: unknown; error?: { message: string; data?: { code?: string } } };
  const unwrap = (method: string, a: Answer): unknown =>
    a.error ? new WalletdCallError(method, a.error.data?.code, a.error.message) : a.result;

  const created = unwrap('create_wallet', (await post({
    jsonrpc: '2.0', id: 1, method: 'create_wallet', params: { name: 'diff', addressType: 'p2wpkh' },
  })) as Answer);
  if (created instanceof Error) throw created;
  const walletId = (created as { id: string }).id;

  const ctl: WalletdControl = {
    walletId,
    async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      const [answer] = await ctl.batch([{ method, params }]);
      if (answer instanceof WalletdCallError) throw answer;
      return answer as T;
    },
    async batch(calls) {
      const body = calls.map((c, i) => ({ jsonrpc: '2.0', id: i, method: c.method, params: { wallet: walletId, ...c.params } }));
      const answers = (await post(body)) as Answer[];
      if (!Array.isArray(answers)) throw new Error(`walletd batch answered ${JSON.stringify(answers)}`);
      const byId = new Map(answers.map((a) => [a.id, a]));
      return calls.map((c, i) => unwrap(c.method, byId.get(i) ?? { error: { message: 'no answer in batch' } }));
    },
    async restart() {
      d.child.kill('SIGTERM');
      await d.exited;
      earlier.push(...d.logs);
      d = await launch();
    },
    async stop() {
      d.child.kill('SIGTERM');
      const timer = setTimeout(() => d.child.kill('SIGKILL'), 15_000);
      await d.exited;
      clearTimeout(timer);
      rmSync(datadir, { recursive: true, force: true });
    },
    logs: () => [...earlier, ...d.logs],
  };
  return ctl;
}
