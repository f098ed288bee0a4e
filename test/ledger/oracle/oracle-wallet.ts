/**
 * The oracle: a watch-only legacy wallet on the node (`createwallet oracle true true`) holding
 * walletd's public descriptors through `importmulti` with `desc` and a `range`. Nobody here
 * wrote it; what it says about coins, balances and tx states is what Bitcoin Core says.
 */
import type { BitcoindRpc } from '../../../src/chain/bitcoind-rpc.ts';
import { coinsToSats, type ChainNode } from './chain-node.ts';
import type { Coin } from './views.ts';

/** A tx state as Core's wallet knows it (wallet.cpp GetDepthInMainChain, CWalletTx::InMempool). */
export type OracleTxState = 'confirmed' | 'conflicted' | 'pending' | 'inactive';

/** One wallet tx of the oracle. */
export interface OracleTx {
  txid: string;
  state: OracleTxState;
  /** Core's depth: > 0 in the main chain, < 0 conflicted (depth of the conflicting block), 0 otherwise. */
  confirmations: number;
  coinbase: boolean;
  /** It spends outputs of ours (a `send` entry), and whether abandontransaction was applied to it. */
  fromMe: boolean;
  abandoned: boolean;
}

/** Everything the oracle says at one moment, in sats. */
export interface OracleView {
  tipHeight: number;
  tipHash: string;
  mempool: Set<string>;
  unspent: Map<string, Coin>;
  txs: Map<string, OracleTx>;
  /** getbalances.watchonly. */
  balances: { trusted: bigint; untrustedPending: bigint; immature: bigint };
  /** Outputs (`txid:vout`) the oracle counts as the wallet's own (receive/generate entries). */
  ours: Set<string>;
}

interface ListTxEntry {
  txid: string;
  category: string;
  confirmations: number;
  vout?: number;
  generated?: boolean;
  abandoned?: boolean;
}
interface ListUnspentEntry { txid: string; vout: number; amount: number; confirmations: number }
interface Balances { watchonly: { trusted: number; untrusted_pending: number; immature: number } }
interface ChainInfo { blocks: number; bestblockhash: string }

/** The oracle wallet and its descriptor range. */
export class OracleWallet {
  readonly #node: ChainNode;
  readonly #descriptors: { receive: string; change: string };
  #rangeEnd = -1;

  private constructor(node: ChainNode, descriptors: { receive: string; change: string }) {
    this.#node = node;
    this.#descriptors = descriptors;
  }

  /** Creates the watch-only wallet and imports walletd's receive and change descriptors. */
  static async create(node: ChainNode, descriptors: { receive: string; change: string }, range: number): Promise<OracleWallet> {
    // createwallet name disable_private_keys=true blank=true: a legacy wallet that can only watch.
    await node.base.call('createwallet', 'oracle', true, true);
    const o = new OracleWallet(node, descriptors);
    await o.ensureRange(range);
    return o;
  }

  /** The RPC of the oracle wallet. */
  get rpc(): BitcoindRpc {
    return this.#node.oracle;
  }

  /** Imports the descriptors up to index `needed` (and a margin), rescanning from genesis; true if it imported. */
  async ensureRange(needed: number): Promise<boolean> {
    if (needed <= this.#rangeEnd) return false;
    const end = needed + 500;
    const request = [this.#descriptors.receive, this.#descriptors.change].map((desc) => ({
      desc, range: [0, end], watchonly: true, timestamp: 0,
    }));
    const results = await this.rpc.call<Array<{ success: boolean; error?: { message: string } }>>(
      'importmulti', request, { rescan: true },
    );
    const bad = results.find((r) => !r.success);
    if (bad) throw new Error(`importmulti refused walletd's descriptors: ${bad.error?.message}`);
    this.#rangeEnd = end;
    return true;
  }

  /**
   * One consistent reading of the oracle (a batch, after the wallet caught up with validation).
   * listtransactions omits the receive entries of conflicted txs (ListTransactions with
   * nMinDepth 0 skips depth < 0), so `alsoAsk` (walletd's txids) are looked up one by one.
   */
  async view(alsoAsk: Iterable<string> = []): Promise<OracleView> {
    const [, chain, mempool, unspent, balances, txs] = await this.rpc.batchStrict<unknown>([
      // The wallet learns of blocks through the validation queue; drain it so it has seen the tip.
      { method: 'syncwithvalidationinterfacequeue' },
      { method: 'getblockchaininfo' },
      { method: 'getrawmempool' },
      { method: 'listunspent', params: [0, 9_999_999, [], true] },
      { method: 'getbalances' },
      { method: 'listtransactions', params: ['*', 1_000_000, 0, true] },
    ]);
    const pool = new Set(mempool as string[]);
    const view: OracleView = {
      tipHeight: (chain as ChainInfo).blocks,
      tipHash: (chain as ChainInfo).bestblockhash,
      mempool: pool,
      unspent: new Map(),
      txs: new Map(),
      balances: {
        trusted: coinsToSats((balances as Balances).watchonly.trusted),
        untrustedPending: coinsToSats((balances as Balances).watchonly.untrusted_pending),
        immature: coinsToSats((balances as Balances).watchonly.immature),
      },
      ours: new Set(),
    };
    // listunspent omits immature coinbase outputs (AvailableCoins skips IsImmatureCoinBase) and
    // 0-conf outputs of txs not in the mempool (depth 0 && !InMempool).
    for (const u of unspent as ListUnspentEntry[]) {
      const outpoint = `${u.txid}:${u.vout}`;
      view.unspent.set(outpoint, { outpoint, value: coinsToSats(u.amount), confirmations: u.confirmations });
    }
    for (const e of txs as ListTxEntry[]) {
      if (e.category !== 'send' && e.vout !== undefined) view.ours.add(`${e.txid}:${e.vout}`);
      const known = view.txs.get(e.txid);
      if (known) {
        if (e.category === 'send') Object.assign(known, { fromMe: true, abandoned: e.abandoned === true });
        continue;
      }
      const d = e.confirmations;
      const state: OracleTxState = d > 0 ? 'confirmed' : d < 0 ? 'conflicted' : pool.has(e.txid) ? 'pending' : 'inactive';
      view.txs.set(e.txid, {
        txid: e.txid, state, confirmations: d, coinbase: e.generated === true,
        fromMe: e.category === 'send', abandoned: e.abandoned === true,
      });
    }
    const missing = [...alsoAsk].filter((txid) => !view.txs.has(txid));
    const found = await this.rpc.batch<{ confirmations: number; generated?: boolean }>(
      missing.map((txid) => ({ method: 'gettransaction', params: [txid, true] })),
    );
    found.forEach((r, i) => {
      if (!r.ok) return; // -5: not a wallet tx of the oracle
      const d = r.result.confirmations;
      const state: OracleTxState = d > 0 ? 'confirmed' : d < 0 ? 'conflicted' : pool.has(missing[i]!) ? 'pending' : 'inactive';
      view.txs.set(missing[i]!, {
        txid: missing[i]!, state, confirmations: d, coinbase: r.result.generated === true, fromMe: false, abandoned: false,
      });
    });
    return view;
  }

  /**
   * Core 0.21 keeps the inputs of a wallet tx spent while the tx is at depth 0 and not abandoned,
   * even outside the mempool (wallet.cpp IsSpent), until the user calls abandontransaction.
   * walletd frees them once the tx can never confirm (it is conflicted). So the oracle's
   * operator abandons exactly those txs: from me, inactive, and canNeverConfirm. Returns them.
   */
  async abandonDead(node: ChainNode, view: OracleView): Promise<string[]> {
    const dead: string[] = [];
    for (const tx of view.txs.values()) {
      if (tx.state !== 'inactive' || !tx.fromMe || tx.abandoned || tx.coinbase) continue;
      const key = `${tx.txid}@${view.tipHash}@${view.mempool.size}`;
      if (this.#alive.has(key)) continue;
      if (await canNeverConfirm(node, view, tx.txid)) dead.push(tx.txid);
      else this.#alive.add(key);
    }
    for (const txid of dead) await this.rpc.call('abandontransaction', txid);
    return dead;
  }

  /** Inactive txs found able to confirm, per tip and mempool size, so a poll does not re-ask. */
  readonly #alive = new Set<string>();

  /**
   * The part of the 0-conf unspent value that Core's rule would call trusted if the oracle could
   * sign. Core's watch-only wallet never trusts 0-conf: CWallet::IsTrusted (wallet.cpp, later
   * receive.cpp CachedTxIsTrusted) needs each parent output to be ISMINE_SPENDABLE, and watched
   * outputs are ISMINE_WATCH_ONLY, so getbalances.watchonly.trusted is depth >= 1 only. The same
   * rule applied to the oracle's own tx graph, with "watched" in place of "spendable", gives
   * walletd's trustedPending: depth 0, in the mempool, from me, every input an output of ours in a
   * wallet tx that is itself trusted (depth >= 1, or trusted by the same rule, recursively).
   */
  async trustedPending(view: OracleView): Promise<bigint> {
    const decoded = new Map<string, Array<{ txid: string; vout: number }>>();
    const inputsOf = async (txid: string) => {
      let vin = decoded.get(txid);
      if (!vin) {
        const tx = await this.rpc.call<{ decoded: { vin: Array<{ txid?: string; vout?: number }> } }>('gettransaction', txid, true, true);
        vin = tx.decoded.vin.filter((i) => i.txid !== undefined).map((i) => ({ txid: i.txid!, vout: i.vout! }));
        decoded.set(txid, vin);
      }
      return vin;
    };
    // listtransactions leaves change out (Core's IsChange: a watched output with no address-book
    // entry in a tx from me), so `view.ours` misses it: ask the node whose each parent output is.
    const parents = new Map<string, Array<{ address?: string }>>();
    const watched = new Map<string, boolean>();
    const isOurs = async (txid: string, vout: number): Promise<boolean> => {
      if (view.ours.has(`${txid}:${vout}`)) return true;
      let outs = parents.get(txid);
      if (!outs) {
        // A parent outside the wallet is not ours (Core: GetWalletTx(prevout) == nullptr → untrusted).
        const tx = await this.rpc
          .call<{ decoded: { vout: Array<{ scriptPubKey: { address?: string; addresses?: string[] } }> } }>('gettransaction', txid, true, true)
          .catch(() => null);
        outs = tx ? tx.decoded.vout.map((o) => ({ address: o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0] })) : [];
        parents.set(txid, outs);
      }
      const address = outs[vout]?.address;
      if (address === undefined) return false;
      let mine = watched.get(address);
      if (mine === undefined) {
        const info = await this.rpc.call<{ ismine: boolean; iswatchonly: boolean }>('getaddressinfo', address);
        mine = info.ismine || info.iswatchonly;
        watched.set(address, mine);
      }
      return mine;
    };
    const memo = new Map<string, boolean>();
    const trusted = async (txid: string): Promise<boolean> => {
      const known = memo.get(txid);
      if (known !== undefined) return known;
      memo.set(txid, false); // a cycle cannot happen in a tx graph; this only guards the recursion
      const tx = view.txs.get(txid);
      let ok = false;
      if (tx && tx.confirmations >= 1) ok = true;
      else if (tx && tx.state === 'pending') {
        const vin = await inputsOf(txid);
        ok = vin.length > 0;
        for (const i of vin) {
          if (!(await isOurs(i.txid, i.vout)) || !(await trusted(i.txid))) {
            ok = false;
            break;
          }
        }
      }
      memo.set(txid, ok);
      return ok;
    };
    let sum = 0n;
    for (const coin of view.unspent.values()) {
      if (coin.confirmations === 0 && (await trusted(coin.outpoint.split(':')[0]!))) sum += coin.value;
    }
    return sum;
  }
}

/**
 * Whether a tx that the oracle holds at depth 0 outside the mempool (or as conflicted) can never
 * confirm: it is a coinbase whose block left the chain, or it spends such a coinbase, or one of
 * its inputs is already spent by another tx that is in the mempool or the chain, or it spends an
 * output of a wallet tx that can never confirm. A tx for which none of that holds (e.g. evicted, or its parent vanished with a
 * reorg) might still confirm, so walletd may keep calling it pending.
 */
export async function canNeverConfirm(node: ChainNode, view: OracleView, txid: string, seen = new Set<string>()): Promise<boolean> {
  if (seen.has(txid)) return false;
  seen.add(txid);
  const own = view.txs.get(txid);
  if (own?.coinbase) return true;
  type Decoded = { vin: Array<{ txid?: string; vout?: number; coinbase?: string }> };
  const tx = (await node.oracle.call<{ decoded: Decoded }>('gettransaction', txid, true, true)).decoded;
  if (tx.vin.some((i) => i.coinbase !== undefined)) return true;
  // A wallet parent that is out of the mempool but may still confirm (say its coinbase input is
  // immature again after a reorg) explains the node's missing-inputs below: the tx waits with it.
  let waiting = false;
  for (const i of tx.vin) {
    const parent = view.txs.get(i.txid!);
    if (parent?.state === 'conflicted') return true;
    if (parent?.state === 'inactive') {
      if (await canNeverConfirm(node, view, i.txid!, seen)) return true;
      waiting = true;
    }
    type Raw = { confirmations?: number; vin: Array<{ coinbase?: string }> };
    const raw = await node.base.call<Raw>('getrawtransaction', i.txid!, true).catch(() => null);
    // A coinbase exists only in its own block: once that block left the chain, so did its coins.
    if (raw?.vin[0]?.coinbase !== undefined && !(raw.confirmations! > 0)) return true;
    const live = view.mempool.has(i.txid!) || (raw?.confirmations ?? 0) > 0;
    // gettxout with include_mempool: null when the output is spent in the chain or the mempool.
    if (live && (await node.base.call<unknown>('gettxout', i.txid!, i.vout!, true)) === null) return true;
  }
  if (waiting) return false;
  // Last, the node's own verdict: it refuses the tx because an input is gone (its parent left
  // the chain and the mempool for good, e.g. a double-spent receive) or spent by another tx.
  const hex = (await node.oracle.call<{ hex: string }>('gettransaction', txid, true)).hex;
  const [verdict] = await node.base.call<Array<{ allowed: boolean; 'reject-reason'?: string }>>('testmempoolaccept', [hex]);
  return verdict?.allowed === false && /missingorspent|missing-inputs|mempool-conflict/.test(verdict['reject-reason'] ?? '');
}
