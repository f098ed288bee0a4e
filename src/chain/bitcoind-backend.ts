/**
 * ChainBackend over Bitcoin Core JSON-RPC (SPEC §7): scans blocks and the mempool itself, so it
 * needs no wallet or address index on the node, only `-txindex` for `getTx` of confirmed txs.
 */
import { WalletdError, fail } from '../errors.ts';
import {
  ChainMovedError, type ChainBackend, type ChainTx, type MempoolEntry, type ScanRequest, type ScanResult,
} from '../wallet/ports.ts';
import type { BlockRef } from '../wallet/types.ts';
import { BitcoindRpc, BitcoindRpcError, type BitcoindRpcOptions, type RpcCall } from './bitcoind-rpc.ts';

/** The parts of `getrawtransaction … true` / `getblock … 2` transactions the scan reads. */
interface RpcTx {
  txid: string;
  hex: string;
  vin: Array<{ txid?: string; vout?: number; coinbase?: string }>;
  vout: Array<{ n: number; scriptPubKey: { hex: string } }>;
  blockhash?: string;
  blocktime?: number;
  confirmations?: number;
}

/** What mempool matching needs of a transaction; cached between polls. */
type MempoolTx = Pick<RpcTx, 'txid' | 'vin' | 'vout'>;

/** Drops everything matching does not need (hex, amounts, asm), to keep the cache small. */
function compact(tx: RpcTx): MempoolTx {
  return {
    txid: tx.txid,
    vin: tx.vin.map((i) => ({ txid: i.txid, vout: i.vout })),
    vout: tx.vout.map((o) => ({ n: o.n, scriptPubKey: { hex: o.scriptPubKey.hex } })),
  };
}

/** The parts of `getmempoolentry` a replacement reads. */
interface RpcMempoolEntry {
  vsize: number;
  fees?: { modified: number; ancestor: number; descendant: number };
  modifiedfee?: number;
  descendantfees?: number;
  descendantcount: number;
  ancestorfees?: number;
  ancestorsize: number;
}

interface RpcBlock {
  hash: string;
  height: number;
  time: number;
  previousblockhash?: string;
  tx: RpcTx[];
}

// Bitcoin Core RPC error codes (src/rpc/protocol.h).
const RPC_INVALID_ADDRESS_OR_KEY = -5;
const RPC_INVALID_PARAMETER = -8;
const RPC_IN_WARMUP = -28;

/** Blocks per `getblock` batch: verbose blocks are large, so keep each HTTP body modest. */
const BLOCK_BATCH = 16;
const HASH_BATCH = 500;
const MEMPOOL_BATCH = 200;
/** A reorg during a scan breaks the hash chain we walked; retry from scratch this many times. */
const SCAN_ATTEMPTS = 3;

class ReorgDuringScan extends Error {}

/** Bitcoin Core JSON-RPC chain backend. */
export class BitcoindBackend implements ChainBackend {
  readonly kind = 'bitcoind' as const;
  readonly #rpc: BitcoindRpc;
  /** Compact mempool transactions by txid, refreshed by each scan. */
  readonly #mempool = new Map<string, MempoolTx>();

  constructor(opts: BitcoindRpcOptions) {
    this.#rpc = new BitcoindRpc(opts);
  }

  async getTip(): Promise<BlockRef> {
    const info = await this.#call<{ blocks: number; bestblockhash: string }>('getblockchaininfo');
    return { height: info.blocks, hash: info.bestblockhash };
  }

  async getBlockHash(height: number): Promise<string | null> {
    try {
      return await this.#rpc.call<string>('getblockhash', height);
    } catch (err) {
      if (err instanceof BitcoindRpcError && err.rpcCode === RPC_INVALID_PARAMETER) return null;
      throw this.#mapError(err);
    }
  }

  async scan(request: ScanRequest): Promise<ScanResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#scanOnce(request);
      } catch (err) {
        if (!(err instanceof ReorgDuringScan) || attempt >= SCAN_ATTEMPTS) {
          if (err instanceof ReorgDuringScan) fail('CHAIN_UNAVAILABLE', 'chain kept reorganising during scan');
          throw err;
        }
      }
    }
  }

  async getTx(txid: string): Promise<ChainTx | null> {
    let tx: RpcTx;
    try {
      tx = await this.#rpc.call<RpcTx>('getrawtransaction', txid, true);
    } catch (err) {
      if (err instanceof BitcoindRpcError && err.rpcCode === RPC_INVALID_ADDRESS_OR_KEY) return null;
      throw this.#mapError(err);
    }
    // txindex keeps entries of disconnected blocks; only a positive confirmation count is on the active chain.
    if (!tx.blockhash || !tx.confirmations || tx.confirmations <= 0) {
      return { txid: tx.txid, hex: tx.hex, blockHeight: null, blockHash: null, blockTime: null };
    }
    const header = await this.#call<{ height: number; time: number; confirmations: number }>('getblockheader', tx.blockhash);
    if (header.confirmations < 0) return { txid: tx.txid, hex: tx.hex, blockHeight: null, blockHash: null, blockTime: null };
    return { txid: tx.txid, hex: tx.hex, blockHeight: header.height, blockHash: tx.blockhash, blockTime: header.time };
  }

  async broadcast(hex: string): Promise<string> {
    try {
      return await this.#rpc.call<string>('sendrawtransaction', hex);
    } catch (err) {
      if (err instanceof BitcoindRpcError && err.rpcCode !== RPC_IN_WARMUP) {
        // -26 verify rejected, -25 missing inputs, -27 already in chain, -22 decode failed.
        fail('BROADCAST_REJECTED', `transaction rejected: ${err.message}`, { reason: err.message, rpcCode: err.rpcCode });
      }
      throw this.#mapError(err);
    }
  }

  async estimateFeeRate(confTarget: number): Promise<number | null> {
    const res = await this.#call<{ feerate?: number; errors?: string[] }>('estimatesmartfee', confTarget);
    if (typeof res.feerate !== 'number' || res.feerate <= 0) return null;
    return btcPerKvbToSatPerVb(res.feerate);
  }

  async getMinRelayFeeRate(): Promise<number> {
    const info = await this.#call<{ relayfee: number }>('getnetworkinfo');
    return btcPerKvbToSatPerVb(info.relayfee);
  }

  async getIncrementalRelayFeeRate(): Promise<number> {
    const info = await this.#call<{ incrementalfee?: number }>('getnetworkinfo');
    return typeof info.incrementalfee === 'number' ? btcPerKvbToSatPerVb(info.incrementalfee) : 1;
  }

  async getMempoolEntry(txid: string): Promise<MempoolEntry | null> {
    let e: RpcMempoolEntry;
    try {
      e = await this.#rpc.call<RpcMempoolEntry>('getmempoolentry', txid);
    } catch (err) {
      if (err instanceof BitcoindRpcError && err.rpcCode === RPC_INVALID_ADDRESS_OR_KEY) return null;
      throw this.#mapError(err);
    }
    // `fees` (coins) since Core 0.17; the flat sat fields are the older, deprecated spelling.
    const sats = (coins: number | undefined, flat: number | undefined) =>
      BigInt(coins !== undefined ? Math.round(coins * 1e8) : Math.round(flat ?? 0));
    return {
      fee: sats(e.fees?.modified, e.modifiedfee !== undefined ? e.modifiedfee * 1e8 : undefined),
      vsize: e.vsize,
      descendantFees: sats(e.fees?.descendant, e.descendantfees),
      descendantCount: e.descendantcount,
      ancestorFees: sats(e.fees?.ancestor, e.ancestorfees),
      ancestorVsize: e.ancestorsize,
    };
  }

  async close(): Promise<void> {
    // fetch keeps no per-backend sockets or timers.
  }

  async #scanOnce(request: ScanRequest): Promise<ScanResult> {
    const tip = await this.getTip();
    const outpoints = new Watched(request.outpoints, request.foreignOutpoints);
    const found: ChainTx[] = [];
    const blocks: BlockRef[] = [];
    const from = Math.max(0, request.fromHeight);
    const parent = request.parent;
    // The chain got shorter, or changed at the parent's height, since the caller looked.
    if (parent && (tip.height < parent.height || (tip.height === parent.height && tip.hash !== parent.hash))) {
      throw new ChainMovedError(parent);
    }
    let prevHash: string | undefined = parent?.hash;
    let last: BlockRef | undefined;

    for (let start = from; start <= tip.height; start += HASH_BATCH) {
      const end = Math.min(tip.height, start + HASH_BATCH - 1);
      const hashes = await this.#heightsToHashes(start, end);
      for (let i = 0; i < hashes.length; i += BLOCK_BATCH) {
        const calls: RpcCall[] = hashes.slice(i, i + BLOCK_BATCH).map((h) => ({ method: 'getblock', params: [h, 2] }));
        const fetched = await this.#batch<RpcBlock>(calls);
        for (const block of fetched) {
          // Heights were resolved to hashes first; if the chain moved meanwhile, the links break.
          // A first block that does not extend the parent means the parent itself is gone.
          if (prevHash !== undefined && block.previousblockhash !== prevHash) {
            if (parent && block.height === parent.height + 1) throw new ChainMovedError(parent);
            throw new ReorgDuringScan();
          }
          prevHash = block.hash;
          last = { height: block.height, hash: block.hash };
          blocks.push(last);
          for (const tx of block.tx) {
            if (matches(tx, request.scripts, outpoints)) {
              found.push({ txid: tx.txid, hex: tx.hex, blockHeight: block.height, blockHash: block.hash, blockTime: block.time });
            }
          }
          request.onProgress?.(block.height, tip.height);
        }
      }
    }
    if (last && last.hash !== tip.hash) throw new ReorgDuringScan();

    for (const tx of await this.#mempoolMatches(request.scripts, outpoints)) {
      found.push({ txid: tx.txid, hex: tx.hex, blockHeight: null, blockHash: null, blockTime: null });
    }
    if (blocks.length === 0) blocks.push(tip);
    return { tip, txs: found, blocks };
  }

  async #heightsToHashes(start: number, end: number): Promise<string[]> {
    const calls: RpcCall[] = [];
    for (let h = start; h <= end; h++) calls.push({ method: 'getblockhash', params: [h] });
    const results = await this.#rpc.batch<string>(calls).catch((err: unknown) => {
      throw this.#mapError(err);
    });
    return results.map((r) => {
      if (r.ok) return r.result;
      if (r.error.rpcCode === RPC_INVALID_PARAMETER) throw new ReorgDuringScan(); // chain got shorter
      throw this.#mapError(r.error);
    });
  }

  /**
   * Mempool transactions touching the request, including chains of unconfirmed spends. A node's
   * mempool changes by a few transactions between polls, so each transaction is fetched once and
   * kept in compact form (inputs and output scripts, no hex); only matches fetch their hex.
   */
  async #mempoolMatches(scripts: ReadonlySet<string>, outpoints: Watched): Promise<Array<{ txid: string; hex: string }>> {
    const txids = await this.#call<string[]>('getrawmempool');
    const live = new Set(txids);
    for (const txid of this.#mempool.keys()) if (!live.has(txid)) this.#mempool.delete(txid);
    const missing = txids.filter((txid) => !this.#mempool.has(txid));
    for (let i = 0; i < missing.length; i += MEMPOOL_BATCH) {
      const calls = missing.slice(i, i + MEMPOOL_BATCH).map((t) => ({ method: 'getrawtransaction', params: [t, true] }));
      for (const r of await this.#batchTolerant<RpcTx>(calls)) if (r) this.#mempool.set(r.txid, compact(r));
    }
    // Mempool order is arbitrary: repeat until no new match, so a child found after its parent counts.
    let pending = txids.flatMap((txid) => this.#mempool.get(txid) ?? []);
    const matched: MempoolTx[] = [];
    for (let progress = true; progress && pending.length > 0; ) {
      progress = false;
      const rest: MempoolTx[] = [];
      for (const tx of pending) {
        if (matches(tx, scripts, outpoints)) {
          matched.push(tx);
          progress = true;
        } else rest.push(tx);
      }
      pending = rest;
    }
    const hexes = await this.#batchTolerant<string>(matched.map((t) => ({ method: 'getrawtransaction', params: [t.txid, false] })));
    return matched.flatMap((t, i) => (hexes[i] ? [{ txid: t.txid, hex: hexes[i]! }] : []));
  }

  /** Batch results, with null for a transaction that left the mempool meanwhile (-5). */
  async #batchTolerant<T>(calls: RpcCall[]): Promise<Array<T | null>> {
    if (calls.length === 0) return [];
    const results = await this.#rpc.batch<T>(calls).catch((err: unknown) => {
      throw this.#mapError(err);
    });
    return results.map((r) => {
      if (r.ok) return r.result;
      if (r.error.rpcCode === RPC_INVALID_ADDRESS_OR_KEY) return null;
      throw this.#mapError(r.error);
    });
  }

  async #call<T>(method: string, ...params: unknown[]): Promise<T> {
    try {
      return await this.#rpc.call<T>(method, ...params);
    } catch (err) {
      throw this.#mapError(err);
    }
  }

  async #batch<T>(calls: RpcCall[]): Promise<T[]> {
    try {
      return await this.#rpc.batchStrict<T>(calls);
    } catch (err) {
      throw this.#mapError(err);
    }
  }

  /**
   * Node errors become WalletdErrors, never raw ones (which callers would answer as INTERNAL): a
   * node still loading (-28) is unavailable, and any other error the wallet did not expect means
   * the backend cannot serve it, with the node's code and message kept for the operator.
   */
  #mapError(err: unknown): unknown {
    if (!(err instanceof BitcoindRpcError)) return err;
    const details = { url: this.#rpc.url, method: err.method, rpcCode: err.rpcCode };
    if (err.rpcCode === RPC_IN_WARMUP) {
      return new WalletdError('CHAIN_UNAVAILABLE', `bitcoind at ${this.#rpc.url} is starting: ${err.message}`, details);
    }
    return new WalletdError('CHAIN_UNAVAILABLE', `bitcoind answered ${err.method} with error ${err.rpcCode}: ${err.message}`, details);
  }

  /**
   * Long-polls for a block after `knownHash` (Core's `waitfornewblock`), so sync runs the moment
   * a block arrives instead of at the next poll. Null on timeout.
   */
  async waitForTip(knownHash: string | null, timeoutMs: number, signal: AbortSignal): Promise<BlockRef | null> {
    const tip = await this.#rpc
      .callWith<{ hash: string; height: number }>({ method: 'waitfornewblock', params: [timeoutMs], timeoutMs: timeoutMs + 5000, signal })
      .catch((err: unknown) => {
        throw this.#mapError(err);
      });
    return tip.hash === knownHash ? null : { height: tip.height, hash: tip.hash };
  }
}

/**
 * The outpoints a scan follows: the caller's (never copied: a large wallet's set is read, not
 * cloned, on every poll) plus outputs found during this scan.
 */
class Watched {
  readonly #found = new Set<string>();

  constructor(
    private readonly owned: ReadonlySet<string>,
    private readonly foreign: ReadonlySet<string> | undefined,
  ) {}

  has(op: string): boolean {
    return this.owned.has(op) || this.#found.has(op) || (this.foreign?.has(op) ?? false);
  }

  add(op: string): void {
    this.#found.add(op);
  }
}

/**
 * True when `tx` pays one of `scripts` or spends one of `outpoints`. Outputs it pays to
 * `scripts` join `outpoints`, so a later spend of them in the same scan is caught too.
 */
function matches(tx: MempoolTx, scripts: ReadonlySet<string>, outpoints: Watched): boolean {
  let hit = false;
  for (const input of tx.vin) {
    if (input.txid !== undefined && outpoints.has(`${input.txid}:${input.vout}`)) hit = true;
  }
  for (const out of tx.vout) {
    if (scripts.has(out.scriptPubKey.hex)) {
      outpoints.add(`${tx.txid}:${out.n}`);
      hit = true;
    }
  }
  return hit;
}

/** BTC per 1000 vbytes → sat per vbyte: × 1e8 / 1e3. */
function btcPerKvbToSatPerVb(rate: number): number {
  return Math.round(rate * 1e8) / 1000;
}
