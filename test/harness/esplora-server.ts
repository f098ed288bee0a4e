/**
 * A small Esplora-compatible HTTP server (Blockstream esplora API.md shapes) answering from a
 * real regtest node. It indexes scripthashes by walking the node's blocks and mempool, rebuilt
 * whenever the tip or the mempool changes; regtest chains in tests are small enough for that.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BitcoindRpc, BitcoindRpcError } from '../../src/chain/bitcoind-rpc.ts';
import type { RegtestNode } from './regtest-node.ts';

interface NodeTx {
  txid: string;
  hex: string;
  version: number;
  locktime: number;
  size: number;
  weight: number;
  vin: Array<{ txid?: string; vout?: number; coinbase?: string; scriptSig?: { hex: string; asm: string }; txinwitness?: string[]; sequence: number }>;
  vout: Array<{ n: number; value: number; scriptPubKey: { hex: string; asm: string; type: string; address?: string; addresses?: string[] } }>;
}

interface NodeBlock {
  hash: string;
  height: number;
  time: number;
  tx: NodeTx[];
}

interface Status {
  confirmed: boolean;
  block_height: number | null;
  block_hash: string | null;
  block_time: number | null;
}

interface Entry {
  tx: NodeTx;
  status: Status;
}

interface Index {
  tipHeight: number;
  tipHash: string;
  txs: Map<string, Entry>;
  outputs: Map<string, { script: string; value: number }>;
  spentBy: Map<string, string>;
  /** scripthash → txids, oldest confirmed first, then mempool. */
  history: Map<string, string[]>;
}

const FEE_TARGETS = [2, 3, 4, 5, 6, 10, 20, 25, 144, 504, 1008];

/** Starts the server on a free loopback port; `url` is its API base. */
export async function startEsploraServer(node: RegtestNode): Promise<{ url: string; close(): Promise<void> }> {
  const rpc = new BitcoindRpc({ url: node.url, user: node.user, password: node.password, timeoutMs: 60_000 });
  let cached: { key: string; index: Promise<Index> } | null = null;

  const currentIndex = async (): Promise<Index> => {
    const [tip, mempool] = await rpc.batchStrict<unknown>([{ method: 'getbestblockhash' }, { method: 'getrawmempool' }]);
    const key = `${tip as string}/${(mempool as string[]).sort().join(',')}`;
    if (cached?.key !== key) cached = { key, index: buildIndex(rpc, mempool as string[]) };
    return cached.index;
  };

  const server = createServer((req, res) => {
    route(req, rpc, currentIndex).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => send(res, 500, err instanceof Error ? err.message : String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Reply = [number, unknown];

async function route(req: IncomingMessage, rpc: BitcoindRpc, currentIndex: () => Promise<Index>): Promise<Reply> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const parts = path.split('/').filter(Boolean);
  if (req.method === 'POST' && path === '/tx') {
    const hex = (await readBody(req)).trim();
    try {
      return [200, await rpc.call<string>('sendrawtransaction', hex)];
    } catch (err) {
      if (!(err instanceof BitcoindRpcError)) throw err;
      // electrs' wording for a node reject.
      return [400, `sendrawtransaction RPC error: ${JSON.stringify({ code: err.rpcCode, message: err.message })}`];
    }
  }
  if (req.method !== 'GET') return [405, 'Method not allowed'];

  if (path === '/fee-estimates') {
    const results = await rpc.batch<{ feerate?: number }>(FEE_TARGETS.map((t) => ({ method: 'estimatesmartfee', params: [t] })));
    const est: Record<string, number> = {};
    results.forEach((r, i) => {
      if (r.ok && typeof r.result.feerate === 'number') est[String(FEE_TARGETS[i])] = r.result.feerate * 1e5;
    });
    return [200, est];
  }

  const idx = await currentIndex();
  if (path === '/blocks/tip/height') return [200, String(idx.tipHeight)];
  if (path === '/blocks/tip/hash') return [200, idx.tipHash];
  if (parts[0] === 'block-height' && parts.length === 2) {
    const height = Number(parts[1]);
    if (!Number.isInteger(height) || height < 0 || height > idx.tipHeight) return [404, 'Block not found'];
    return [200, await rpc.call<string>('getblockhash', height)];
  }
  if (parts[0] === 'block' && parts.length === 2) return blockJson(rpc, parts[1]!);

  if (parts[0] === 'scripthash' && parts.length >= 3) {
    const txids = idx.history.get(parts[1]!) ?? [];
    const mempool = txids.filter((t) => !idx.txs.get(t)!.status.confirmed).reverse();
    const chain = txids.filter((t) => idx.txs.get(t)!.status.confirmed).reverse(); // newest first
    if (parts[2] === 'utxo' && parts.length === 3) return [200, utxos(idx, parts[1]!, txids)];
    if (parts[2] !== 'txs') return [404, 'Not found'];
    if (parts.length === 3) return [200, [...mempool.slice(0, 50), ...chain.slice(0, 25)].map((t) => txJson(idx, t))];
    if (parts[3] === 'mempool' && parts.length === 4) return [200, mempool.slice(0, 50).map((t) => txJson(idx, t))];
    if (parts[3] === 'chain' && parts.length <= 5) {
      const start = parts[4] === undefined ? 0 : chain.indexOf(parts[4]) + 1;
      if (parts[4] !== undefined && start === 0) return [200, []];
      return [200, chain.slice(start, start + 25).map((t) => txJson(idx, t))];
    }
    return [404, 'Not found'];
  }

  if (parts[0] === 'tx' && parts.length >= 2) {
    const entry = idx.txs.get(parts[1]!);
    if (!entry) return [404, 'Transaction not found'];
    if (parts.length === 2) return [200, txJson(idx, parts[1]!)];
    if (parts[2] === 'hex' && parts.length === 3) return [200, entry.tx.hex];
    if (parts[2] === 'status' && parts.length === 3) return [200, entry.status];
  }
  return [404, 'Not found'];
}

async function buildIndex(rpc: BitcoindRpc, mempool: string[]): Promise<Index> {
  const info = await rpc.call<{ blocks: number; bestblockhash: string }>('getblockchaininfo');
  const heights = Array.from({ length: info.blocks + 1 }, (_, h) => ({ method: 'getblockhash', params: [h] }));
  const hashes = await rpc.batchStrict<string>(heights);
  const idx: Index = { tipHeight: info.blocks, tipHash: info.bestblockhash, txs: new Map(), outputs: new Map(), spentBy: new Map(), history: new Map() };
  const entries: Entry[] = [];
  for (let i = 0; i < hashes.length; i += 25) {
    const blocks = await rpc.batchStrict<NodeBlock>(hashes.slice(i, i + 25).map((h) => ({ method: 'getblock', params: [h, 2] })));
    for (const b of blocks) {
      const status: Status = { confirmed: true, block_height: b.height, block_hash: b.hash, block_time: b.time };
      for (const tx of b.tx) entries.push({ tx, status });
    }
  }
  const unconfirmed = await rpc.batch<NodeTx>(mempool.map((t) => ({ method: 'getrawtransaction', params: [t, true] })));
  const pool = unconfirmed.flatMap((r) => (r.ok ? [r.result] : []));
  const unconfirmedStatus: Status = { confirmed: false, block_height: null, block_hash: null, block_time: null };
  entries.push(...pool.map((tx) => ({ tx, status: unconfirmedStatus })));

  for (const e of entries) {
    idx.txs.set(e.tx.txid, e);
    for (const o of e.tx.vout) idx.outputs.set(`${e.tx.txid}:${o.n}`, { script: o.scriptPubKey.hex, value: toSats(o.value) });
  }
  // Esplora indexes a tx under the scripthash of every output it pays and every prevout it spends.
  for (const e of entries) {
    const scripts = new Set(e.tx.vout.map((o) => o.scriptPubKey.hex));
    for (const i of e.tx.vin) {
      if (i.txid === undefined) continue;
      idx.spentBy.set(`${i.txid}:${i.vout}`, e.tx.txid);
      const prev = idx.outputs.get(`${i.txid}:${i.vout}`);
      if (prev) scripts.add(prev.script);
    }
    for (const s of scripts) {
      const sh = createHash('sha256').update(Buffer.from(s, 'hex')).digest('hex');
      const list = idx.history.get(sh) ?? [];
      list.push(e.tx.txid);
      idx.history.set(sh, list);
    }
  }
  return idx;
}

function txJson(idx: Index, txid: string): unknown {
  const { tx, status } = idx.txs.get(txid)!;
  let inSum = 0;
  const vin = tx.vin.map((i) => {
    const coinbase = i.coinbase !== undefined;
    const prev = coinbase ? undefined : idx.outputs.get(`${i.txid}:${i.vout}`);
    inSum += prev?.value ?? 0;
    return {
      txid: coinbase ? '0'.repeat(64) : i.txid,
      vout: coinbase ? 0xffffffff : i.vout,
      is_coinbase: coinbase,
      scriptsig: coinbase ? i.coinbase : (i.scriptSig?.hex ?? ''),
      scriptsig_asm: i.scriptSig?.asm ?? '',
      witness: i.txinwitness ?? [],
      sequence: i.sequence,
      prevout: prev ? { scriptpubkey: prev.script, value: prev.value } : null,
    };
  });
  const vout = tx.vout.map((o) => ({
    scriptpubkey: o.scriptPubKey.hex,
    scriptpubkey_asm: o.scriptPubKey.asm,
    scriptpubkey_type: o.scriptPubKey.type,
    scriptpubkey_address: o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0],
    value: toSats(o.value),
  }));
  const outSum = vout.reduce((a, o) => a + o.value, 0);
  const coinbase = tx.vin.some((i) => i.coinbase !== undefined);
  return { txid, version: tx.version, locktime: tx.locktime, size: tx.size, weight: tx.weight, fee: coinbase ? 0 : inSum - outSum, vin, vout, status };
}

function utxos(idx: Index, scripthash: string, txids: string[]): unknown[] {
  const out: unknown[] = [];
  for (const txid of txids) {
    const { tx, status } = idx.txs.get(txid)!;
    for (const o of tx.vout) {
      const op = `${txid}:${o.n}`;
      const sh = createHash('sha256').update(Buffer.from(o.scriptPubKey.hex, 'hex')).digest('hex');
      if (sh === scripthash && !idx.spentBy.has(op)) out.push({ txid, vout: o.n, value: toSats(o.value), status });
    }
  }
  return out;
}

async function blockJson(rpc: BitcoindRpc, hash: string): Promise<Reply> {
  try {
    const b = await rpc.call<Record<string, unknown>>('getblock', hash, 1);
    return [200, {
      id: b.hash, height: b.height, version: b.version, timestamp: b.time, bits: parseInt(String(b.bits), 16),
      nonce: b.nonce, difficulty: b.difficulty, merkle_root: b.merkleroot, tx_count: b.nTx, size: b.size,
      weight: b.weight, previousblockhash: b.previousblockhash ?? null,
    }];
  } catch (err) {
    if (err instanceof BitcoindRpcError) return [404, 'Block not found'];
    throw err;
  }
}

function toSats(coins: number): number {
  return Math.round(coins * 1e8);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
