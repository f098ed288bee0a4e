/**
 * ChainBackend over the Esplora REST API (SPEC §7), using only the endpoints and JSON shapes of
 * Blockstream esplora's API.md, so it works against electrs/esplora and public instances.
 */
import { createHash } from 'node:crypto';
import { WalletdError, fail } from '../errors.ts';
import { Transaction } from 'bitcoinjs-lib';
import { ChainMovedError, type ChainBackend, type ChainTx, type ScanRequest, type ScanResult } from '../wallet/ports.ts';
import type { BlockRef } from '../wallet/types.ts';

/** Connection settings for an Esplora server. */
export interface EsploraOptions {
  /** Base URL, e.g. `https://blockstream.info/testnet/api`. */
  url: string;
  /** Per HTTP request; default 30 s. */
  timeoutMs?: number;
}

/** API.md "Transaction format" (the fields this backend reads). */
interface EsploraTx {
  txid: string;
  vin: Array<{ txid: string; vout: number; is_coinbase?: boolean; prevout?: { scriptpubkey: string } | null }>;
  vout: Array<{ scriptpubkey: string; value: number }>;
  status: EsploraStatus;
}

interface EsploraStatus {
  confirmed: boolean;
  block_height?: number | null;
  block_hash?: string | null;
  block_time?: number | null;
}

/** API.md: `/scripthash/:hash/txs/chain/:last_seen_txid` pages hold 25 transactions. */
const CHAIN_PAGE = 25;
/** Parallel requests when fetching many tx hexes; keeps a public instance's rate limits happy. */
const PARALLEL = 6;

/** Esplora's scripthash: SHA-256 of the scriptPubKey bytes, hex (not reversed, unlike Electrum). */
export function esploraScripthash(scriptHex: string): string {
  return createHash('sha256').update(Buffer.from(scriptHex, 'hex')).digest('hex');
}

/** Esplora REST chain backend. */
export class EsploraBackend implements ChainBackend {
  readonly kind = 'esplora' as const;
  readonly #base: string;
  readonly #timeoutMs: number;

  constructor(opts: EsploraOptions) {
    this.#base = opts.url.replace(/\/+$/, '');
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async getTip(): Promise<BlockRef> {
    // Height and hash come from one block object, so they cannot straddle a new block.
    const hash = (await this.#text('GET', '/blocks/tip/hash')).trim();
    const block = await this.#json<{ id: string; height: number }>(`/block/${hash}`);
    if (!block) fail('CHAIN_UNAVAILABLE', `esplora at ${this.#base} lost its tip block ${hash}`, { url: this.#base });
    return { height: block.height, hash: block.id };
  }

  async getBlockHash(height: number): Promise<string | null> {
    const res = await this.#request('GET', `/block-height/${height}`);
    if (res.status === 404) return null;
    return (await this.#bodyOrFail(res, `/block-height/${height}`)).trim();
  }

  async scan(request: ScanRequest): Promise<ScanResult> {
    const tip = await this.getTip();
    const byTxid = new Map<string, EsploraTx>();
    const queried = new Set<string>();
    const scripts = [...request.scripts];

    // Esplora indexes both funding and spending txs by scripthash, so each script's history holds
    // the spends of its outputs too. Outpoints of other scripts need their script looked up first.
    const wanted = new Set(scripts);
    const voutsByTxid = new Map<string, number[]>();
    // Outpoints of scripts outside the request (foreign inputs of the wallet's unconfirmed txs,
    // or coins of scripts a discovery pass does not list) need their own script's history.
    for (const op of [...request.outpoints, ...(request.foreignOutpoints ?? [])]) {
      const { txid, vout } = splitOutpoint(op);
      voutsByTxid.set(txid, [...(voutsByTxid.get(txid) ?? []), vout]);
    }

    let done = 0;
    for (const script of scripts) {
      await this.#history(script, request.fromHeight, byTxid);
      queried.add(script);
      request.onProgress?.(Math.round((++done / (scripts.length + 1)) * tip.height), tip.height);
    }
    for (const [txid, vouts] of voutsByTxid) {
      const tx = byTxid.get(txid) ?? (await this.#json<EsploraTx>(`/tx/${txid}`));
      if (!tx) continue;
      for (const vout of vouts) {
        const script = tx.vout[vout]?.scriptpubkey;
        if (script !== undefined && !queried.has(script)) {
          queried.add(script);
          await this.#history(script, request.fromHeight, byTxid);
        }
      }
    }

    // Keep only txs that touch the request (other-script outpoint histories hold unrelated txs).
    const outpoints = new Set([...request.outpoints, ...(request.foreignOutpoints ?? [])]);
    const relevant = [...byTxid.values()]
      .filter((tx) => isWanted(tx, wanted, outpoints))
      .filter((tx) => !tx.status.confirmed || (tx.status.block_height ?? 0) >= request.fromHeight);
    const hexes = await mapLimit(relevant, PARALLEL, (tx) => this.#text('GET', `/tx/${tx.txid}/hex`));
    const txs = relevant.map((tx, i): ChainTx => this.#verified(tx, hexes[i]!.trim()));
    // Histories are not blocks: check afterwards that the chain still holds the parent.
    const parent = request.parent;
    if (parent && (tip.height < parent.height || (await this.getBlockHash(parent.height)) !== parent.hash)) {
      throw new ChainMovedError(parent);
    }
    request.onProgress?.(tip.height, tip.height);
    const blocks = new Map<number, BlockRef>([[tip.height, tip]]);
    for (const t of txs) if (t.blockHeight !== null && t.blockHash) blocks.set(t.blockHeight, { height: t.blockHeight, hash: t.blockHash });
    return { tip, txs: chainSorted(txs), blocks: [...blocks.values()].sort((a, b) => a.height - b.height) };
  }

  async getTx(txid: string): Promise<ChainTx | null> {
    const tx = await this.#json<EsploraTx>(`/tx/${txid}`);
    if (!tx) return null;
    const res = await this.#request('GET', `/tx/${txid}/hex`);
    if (res.status === 404) return null; // dropped from the mempool between the two calls
    return this.#verified(tx, (await this.#bodyOrFail(res, `/tx/${txid}/hex`)).trim());
  }

  async broadcast(hex: string): Promise<string> {
    const res = await this.#request('POST', '/tx', hex);
    const body = await res.text().catch(() => '');
    if (res.ok) return body.trim();
    if (res.status >= 400 && res.status < 500) {
      // esplora relays the node's reason, e.g. `sendrawtransaction RPC error: {"code":-26,...}`.
      fail('BROADCAST_REJECTED', `transaction rejected: ${body.slice(0, 300)}`, { reason: body.trim() });
    }
    throw this.#unavailable(`POST /tx answered HTTP ${res.status}`);
  }

  async estimateFeeRate(confTarget: number): Promise<number | null> {
    const est = (await this.#json<Record<string, number>>('/fee-estimates')) ?? {};
    const targets = Object.keys(est)
      .map(Number)
      .filter((t) => Number.isFinite(t) && typeof est[String(t)] === 'number')
      .sort((a, b) => a - b);
    if (targets.length === 0) return null;
    // The largest listed target not above the request (a faster estimate is the safe side);
    // below the smallest target (API.md starts at 2), use the smallest.
    const target = targets.filter((t) => t <= confTarget).pop() ?? targets[0]!;
    const rate = est[String(target)]!;
    return rate > 0 ? rate : null;
  }

  async getMinRelayFeeRate(): Promise<number> {
    // API.md has no relay-fee endpoint; 1 sat/vB is Bitcoin Core's default -minrelaytxfee.
    return 1;
  }

  async close(): Promise<void> {
    // fetch keeps no per-backend sockets or timers.
  }

  /**
   * SPEC §7: a server's JSON is a claim; the tx bytes are checked against the txid asked for,
   * and amounts and scripts are read from those bytes, never from the server's summary.
   */
  #verified(tx: EsploraTx, hex: string): ChainTx {
    let id: string;
    try {
      id = Transaction.fromHex(hex).getId();
    } catch {
      id = '';
    }
    if (id !== tx.txid) throw this.#unavailable(`GET /tx/${tx.txid}/hex returned bytes that do not hash to that txid`);
    return toChainTx(tx, hex);
  }

  /** Adds a script's history at or above `fromHeight` to `into`, paging confirmed txs. */
  async #history(script: string, fromHeight: number, into: Map<string, EsploraTx>): Promise<void> {
    const sh = esploraScripthash(script);
    const first = (await this.#json<EsploraTx[]>(`/scripthash/${sh}/txs`)) ?? [];
    for (const tx of first) into.set(tx.txid, tx);
    // Newest first: stop paging once a page is short or reaches below fromHeight.
    let confirmed = first.filter((tx) => tx.status.confirmed);
    while (confirmed.length >= CHAIN_PAGE) {
      const lastTx = confirmed[confirmed.length - 1]!;
      if ((lastTx.status.block_height ?? 0) < fromHeight) break;
      const page = (await this.#json<EsploraTx[]>(`/scripthash/${sh}/txs/chain/${lastTx.txid}`)) ?? [];
      for (const tx of page) into.set(tx.txid, tx);
      confirmed = page;
    }
  }

  async #json<T>(path: string): Promise<T | null> {
    const res = await this.#request('GET', path);
    if (res.status === 404) return null;
    const text = await this.#bodyOrFail(res, path);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.#unavailable(`GET ${path} answered invalid JSON`);
    }
  }

  async #text(method: 'GET', path: string): Promise<string> {
    return this.#bodyOrFail(await this.#request(method, path), path);
  }

  async #bodyOrFail(res: Response, path: string): Promise<string> {
    const body = await res.text().catch(() => {
      throw this.#unavailable(`GET ${path}: connection lost`);
    });
    if (!res.ok) throw this.#unavailable(`GET ${path} answered HTTP ${res.status}`);
    return body;
  }

  async #request(method: 'GET' | 'POST', path: string, body?: string): Promise<Response> {
    try {
      return await fetch(this.#base + path, {
        method,
        body,
        headers: body === undefined ? undefined : { 'content-type': 'text/plain' },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const why = err instanceof Error && err.name === 'TimeoutError' ? `timed out after ${this.#timeoutMs} ms` : 'connection failed';
      throw this.#unavailable(`${method} ${path}: ${why}`);
    }
  }

  #unavailable(why: string): WalletdError {
    return new WalletdError('CHAIN_UNAVAILABLE', `esplora at ${this.#base} unavailable: ${why}`, { url: this.#base });
  }
}

function isWanted(tx: EsploraTx, scripts: ReadonlySet<string>, outpoints: ReadonlySet<string>): boolean {
  if (tx.vout.some((o) => scripts.has(o.scriptpubkey))) return true;
  return tx.vin.some((i) => !i.is_coinbase && (outpoints.has(`${i.txid}:${i.vout}`) || scripts.has(i.prevout?.scriptpubkey ?? '')));
}

/** Confirmed by height, mempool last: the order a ledger applies them in. */
function chainSorted(txs: ChainTx[]): ChainTx[] {
  return [...txs].sort((a, b) => (a.blockHeight ?? Infinity) - (b.blockHeight ?? Infinity));
}

function splitOutpoint(op: string): { txid: string; vout: number } {
  const at = op.lastIndexOf(':');
  return { txid: op.slice(0, at), vout: Number(op.slice(at + 1)) };
}

function toChainTx(tx: EsploraTx, hex: string): ChainTx {
  const s = tx.status;
  return {
    txid: tx.txid,
    hex,
    blockHeight: s.confirmed ? (s.block_height ?? null) : null,
    blockHash: s.confirmed ? (s.block_hash ?? null) : null,
    blockTime: s.confirmed ? (s.block_time ?? null) : null,
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
