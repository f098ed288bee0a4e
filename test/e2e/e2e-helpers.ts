/**
 * End-to-end helpers: a daemon process following the test's regtest node, JSON-RPC over real
 * HTTP and the unix socket, and a scanner for key material in anything the daemon emits.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wordlists } from 'bip39';
import { networks } from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';
import * as ecc from 'tiny-secp256k1';
import { chainEnv, DAEMON_NODE_FLAGS, startDaemonProcess, unixRpc, type DaemonProcess } from '../daemon/daemon-process.ts';
import type { RegtestNode } from '../harness/regtest-node.ts';

/** A running daemon with its admin token. */
export type RunningDaemon = DaemonProcess & { url: string; socket: string; datadir: string; adminToken: string };

/** Starts `walletd` on a fresh (or given) data dir, following `node`. */
export async function startChainDaemon(
  node: RegtestNode,
  datadir?: string,
  env: Record<string, string> = {},
  args: string[] = [],
  nodeFlags: readonly string[] = DAEMON_NODE_FLAGS,
): Promise<RunningDaemon> {
  const dir = datadir ?? mkdtempSync(join(tmpdir(), 'walletd-e2e-'));
  const d = await startDaemonProcess(dir, args, { ...chainEnv(node), ...env }, nodeFlags);
  const adminToken = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
  return Object.assign(d, { datadir: dir, adminToken });
}

/** A JSON-RPC answer: the result, or the error object. */
export interface RpcAnswer {
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string } & Record<string, unknown> };
}

/** Calls `method` over real HTTP, or over the unix socket when `via` is 'unix'. */
export async function rpc(
  d: { url: string; socket: string },
  token: string,
  method: string,
  params: unknown = {},
  via: 'http' | 'unix' = 'http',
): Promise<RpcAnswer> {
  const body = { jsonrpc: '2.0', id: 1, method, params };
  if (via === 'unix') return (await unixRpc(d.socket, token, body)).json as RpcAnswer;
  const res = await fetch(`${d.url}/rpc`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as RpcAnswer;
}

/** Calls and returns the result, failing the test with the error's code otherwise. */
export async function ok<T = Record<string, unknown>>(
  d: { url: string; socket: string }, token: string, method: string, params: unknown = {}, via: 'http' | 'unix' = 'http',
): Promise<T> {
  const answer = await rpc(d, token, method, params, via);
  if (answer.error) throw new Error(`${method} failed: ${answer.error.data?.code ?? answer.error.code} ${answer.error.message}`);
  return answer.result as T;
}

/** The error's stable string code (SPEC §6). */
export async function errorCode(d: { url: string; socket: string }, token: string, method: string, params: unknown): Promise<string | undefined> {
  return (await rpc(d, token, method, params)).error?.data?.code;
}

/** Polls `fn` until `done` holds, for chain events that land asynchronously. */
export async function until<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const WORDS = new Set(wordlists.english);
const ECPair = ECPairFactory(ecc);
const WIF_VERSIONS = [0x80, 0xef].map((wif) => ({ ...networks.bitcoin, wif }));

function isWif(candidate: string): boolean {
  try {
    ECPair.fromWIF(candidate, WIF_VERSIONS);
    return true;
  } catch {
    return false;
  }
}

/**
 * Key material in `text`, if any (SPEC §1): an extended private key, a WIF, or a run of 12+
 * BIP39 words (a mnemonic), plus any of the `secrets` we fed in.
 */
export function findKeyMaterial(text: string, secrets: string[] = []): string[] {
  const hits: string[] = [];
  if (/[xtyzuv]prv[1-9A-HJ-NP-Za-km-z]{100,}/.test(text)) hits.push('extended private key');
  // A base58 run of WIF length is common in hex and txids by chance; only a run that decodes as
  // a WIF (checksum and version byte) counts.
  for (const [candidate] of text.matchAll(/(?<![1-9A-HJ-NP-Za-km-z])[5KLc9][1-9A-HJ-NP-Za-km-z]{50,51}(?![1-9A-HJ-NP-Za-km-z])/g)) {
    if (isWif(candidate)) {
      hits.push('WIF');
      break;
    }
  }
  let run = 0;
  for (const token of text.split(/[^a-z]+/)) {
    run = WORDS.has(token) ? run + 1 : 0;
    if (run >= 12) {
      hits.push('mnemonic-like word run');
      break;
    }
  }
  for (const s of secrets) if (text.includes(s)) hits.push(`fed secret ${s.slice(0, 4)}…`);
  return hits;
}
