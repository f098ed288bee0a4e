/**
 * The judgement: walletd's view against the oracle's, as readable divergence lines (empty when
 * they agree). Each mapping between walletd's terms and Core's is explained where it is made.
 */
import type { ChainNode } from './chain-node.ts';
import { canNeverConfirm, type OracleView } from './oracle-wallet.ts';
import type { Coin, WalletdView } from './views.ts';

/** `basic`: receives, mining and sends only, unspent set and confirmed/pending states (today's API). `full`: everything. */
export type Profile = 'basic' | 'full';

/** Core's COINBASE_MATURITY is 100; its wallet calls a coinbase immature below depth 101 (GetBlocksToMaturity). */
const MATURE_DEPTH = 101;

/** What the oracle's side needs beyond its view: the trusted part of its 0-conf coins. */
export interface OracleFacts {
  view: OracleView;
  /** Only computed in the full profile (see OracleWallet.trustedPending). */
  trustedPending: bigint | null;
}

/**
 * Compares both views; returns the divergences, one readable line each. `explain` adds what the
 * node itself says (UTXO set, testmempoolaccept), for the final report rather than every poll.
 */
export async function compareViews(
  node: ChainNode, oracle: OracleFacts, w: WalletdView, profile: Profile, explain = false,
): Promise<string[]> {
  const out: string[] = [];
  await compareUnspent(node, oracle.view, w, out, explain);
  await compareTxs(node, oracle.view, w, profile, out, explain);
  if (profile === 'full') compareBalances(oracle, w, out);
  return out;
}

function fmt(c: Coin | undefined): string {
  return c ? `${c.value} sats, ${c.confirmations} conf` : 'absent';
}

async function compareUnspent(node: ChainNode, o: OracleView, w: WalletdView, out: string[], explain: boolean): Promise<void> {
  // walletd lists immature coinbase coins (spendable: false); Core's listunspent omits them
  // (AvailableCoins skips IsImmatureCoinBase), so they leave walletd's side before comparing.
  const mine = new Map([...w.unspent].filter(([, c]) => !(c.coinbase === true && c.confirmations < MATURE_DEPTH)));
  for (const outpoint of new Set([...mine.keys(), ...o.unspent.keys()])) {
    const a = mine.get(outpoint);
    const b = o.unspent.get(outpoint);
    if (a && b && a.value === b.value && a.confirmations === b.confirmations) continue;
    const line = `unspent ${outpoint}: walletd ${fmt(a)} | oracle ${fmt(b)}`;
    if (!explain) {
      out.push(line);
      continue;
    }
    const tx = o.txs.get(outpoint.split(':')[0]!);
    const held = tx ? `oracle holds its tx as ${tx.state}${await poolVerdict(node, tx.state, tx.txid)}` : 'the oracle does not know its tx';
    out.push(`${line}; ${held}; ${await nodeSays(node, outpoint)}`);
  }
}

/** For a tx outside the mempool: whether the node would take it now (testmempoolaccept), and why not. */
async function poolVerdict(node: ChainNode, state: string, txid: string): Promise<string> {
  if (state !== 'inactive' && state !== 'conflicted') return '';
  const { hex } = await node.oracle.call<{ hex: string }>('gettransaction', txid, true);
  const [r] = await node.base.call<Array<{ allowed: boolean; 'reject-reason'?: string }>>('testmempoolaccept', [hex]);
  return r?.allowed ? ' (the node would accept it now)' : ` (the node refuses it: ${r?.['reject-reason']})`;
}

/** What the node's UTXO set says of an outpoint, so a reader can tell which side is wrong. */
async function nodeSays(node: ChainNode, outpoint: string): Promise<string> {
  const [txid, vout] = outpoint.split(':') as [string, string];
  type TxOut = { confirmations: number; coinbase: boolean } | null;
  const [withPool, chainOnly] = await node.base.batchStrict<TxOut>([
    { method: 'gettxout', params: [txid, Number(vout), true] },
    { method: 'gettxout', params: [txid, Number(vout), false] },
  ]);
  if (withPool) return `node: unspent, ${withPool.confirmations} conf${withPool.coinbase ? ', coinbase' : ''}`;
  if (chainOnly) return 'node: spent by a mempool tx';
  return 'node: spent in the chain, or not in the chain or mempool';
}

/**
 * Tx states. Core's wallet knows four (GetDepthInMainChain, InMempool):
 * - depth > 0: confirmed. walletd must say confirmed, with the same confirmations.
 * - depth < 0: conflicted (a tx in the main chain spends one of its inputs). walletd says
 *   conflicted, or replaced when it saw the conflict as a mempool replacement first.
 * - depth 0 and in the mempool: pending. walletd says pending (or broadcasting).
 * - depth 0 and not in the mempool: inactive (replaced, evicted, orphaned coinbase, or parent
 *   gone). walletd's replaced and conflicted are both compatible. walletd's pending is compatible
 *   only while the tx could still confirm; it is a divergence when it never can (see
 *   canNeverConfirm: an orphaned coinbase, or an input already spent by another live tx).
 *   The same check applies to oracle-conflicted txs, because Litecoin Core 0.21 keeps a tx
 *   conflicted after the conflicting block is disconnected (bitcoin#7315, fixed by bitcoin#27145 in 2023).
 * A tx the oracle holds as conflicted or inactive may be unknown to walletd (it may have been
 * replaced before walletd polled the mempool; it carries no money). A confirmed or pending one
 * must be known. A tx only walletd knows must not be pending or confirmed.
 */
async function compareTxs(
  node: ChainNode, o: OracleView, w: WalletdView, profile: Profile, out: string[], explain: boolean,
): Promise<void> {
  const live = (s: string) => s === 'pending' || s === 'broadcasting';
  for (const tx of o.txs.values()) {
    const mine = w.txs.get(tx.txid);
    const here = mine ? `walletd ${mine.status} (${mine.confirmations} conf)` : 'walletd does not know it';
    const line = `tx ${tx.txid}: ${here} | oracle ${tx.state} (${tx.confirmations} conf${tx.coinbase ? ', coinbase' : ''})`;
    if (tx.state === 'confirmed') {
      if (mine?.status !== 'confirmed' || mine.confirmations !== tx.confirmations) out.push(line);
    } else if (tx.state === 'pending') {
      if (!mine || !live(mine.status)) out.push(line);
    } else {
      // The basic profile makes no replacements or conflicts; there a tx of this kind is reported
      // only if walletd claims it confirmed.
      if (!mine) continue;
      if (mine.status === 'confirmed') out.push(line);
      else if (profile === 'full' && live(mine.status) && (await canNeverConfirm(node, o, tx.txid))) {
        out.push(`${line}; it can never confirm${explain ? await poolVerdict(node, tx.state, tx.txid) : ''}`);
      }
    }
  }
  for (const mine of w.txs.values()) {
    if (!o.txs.has(mine.txid) && (mine.status === 'confirmed' || live(mine.status))) {
      out.push(`tx ${mine.txid}: walletd ${mine.status} (${mine.confirmations} conf) | oracle does not know it`);
    }
  }
}

/**
 * Balance categories (SPEC §5 vs Core's getbalances.watchonly, wallet.cpp GetBalance):
 * - Core's trusted is the available (unspent, mature) credit of trusted txs; for a watch-only
 *   wallet IsTrusted holds for depth >= 1 only (parents must be ISMINE_SPENDABLE), so
 *   watchonly.trusted = walletd confirmed.
 * - Core's untrusted_pending is the available credit of untrusted txs at depth 0 in the mempool,
 *   which for a watch-only wallet is every 0-conf mempool output: walletd unconfirmed
 *   (= trustedPending + untrustedPending).
 * - The trusted split of the 0-conf part comes from Core's rule applied to the oracle's tx graph
 *   (OracleWallet.trustedPending): walletd trustedPending, and the rest is untrustedPending.
 * - immature = GetImmatureWatchOnlyCredit: coinbase outputs below depth 101 in the main chain.
 * - spendable = confirmed + trustedPending (nothing is leased here; spendZeroConfChange defaults
 *   to true); total = confirmed + immature + unconfirmed.
 */
function compareBalances(oracle: OracleFacts, w: WalletdView, out: string[]): void {
  const b = oracle.view.balances;
  const tp = oracle.trustedPending ?? 0n;
  const expected: Record<string, bigint> = {
    confirmed: b.trusted,
    immature: b.immature,
    trustedPending: tp,
    untrustedPending: b.untrustedPending - tp,
    unconfirmed: b.untrustedPending,
    spendable: b.trusted + tp,
    total: b.trusted + b.immature + b.untrustedPending,
  };
  for (const [field, want] of Object.entries(expected)) {
    const got = w.balance[field];
    if (got === undefined) out.push(`get_balance.${field}: walletd has no such field | oracle ${want}`);
    else if (BigInt(got) !== want) out.push(`get_balance.${field}: walletd ${got} | oracle ${want}`);
  }
}
