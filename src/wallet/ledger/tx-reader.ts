/**
 * Reconciliation reads: history entries with their outputs and labels, and one transaction in
 * full. Everything is loaded for the given transactions only (their coins, the coins they spend,
 * their labels), so a page of history costs O(page), never O(wallet).
 */
import { address as baddress, Transaction } from 'bitcoinjs-lib';
import { toBitcoinjsNetwork } from '../keys/networks.ts';
import type { WalletStore } from '../ports.ts';
import type { Network } from '../types.ts';
import type { TxDetails, TxHistoryEntry } from '../wallet-api.ts';
import { inputOutpoint } from './outpoints.ts';
import type { LedgerCoin, LedgerTx, Outpoint } from './ledger-types.ts';
import { historyEntry, inputViews, outputViews, type OutputLabels } from './ledger-views.ts';

/** The most outputs one history page carries (its txs' outputs, summed). */
export const HISTORY_PAGE_MAX_OUTPUTS = 10_000;

interface Loaded {
  decoded: Transaction[];
  coins: Map<Outpoint, LedgerCoin>;
  labels: OutputLabels;
  txLabels: Map<string, string>;
}

/** Builds reconciliation views over the store. */
export class TxReader {
  private readonly addressOf: (script: Uint8Array) => string | null;

  constructor(private readonly deps: { store: WalletStore; network: Network }) {
    const net = toBitcoinjsNetwork(deps.network);
    this.addressOf = (script) => {
      try {
        return baddress.fromOutputScript(script, net);
      } catch {
        return null; // OP_RETURN, bare multisig and other scripts without an address
      }
    };
  }

  /**
   * A page of history: at most `limit` txs, and it ends early once it holds
   * HISTORY_PAGE_MAX_OUTPUTS outputs (never fewer than one tx), so one answer stays a few MB
   * even when every tx pays a thousand outputs. `nextCursor` goes on where it ended.
   */
  async history(walletId: string, req: { limit: number; cursor?: string }, tipHeight: number | null) {
    const budget = { max: HISTORY_PAGE_MAX_OUTPUTS, weigh: (tx: LedgerTx) => Transaction.fromHex(tx.hex).outs.length };
    const page = await this.deps.store.listTxs(walletId, { limit: req.limit, before: req.cursor, budget });
    return { transactions: await this.entries(walletId, page.txs, tipHeight), nextCursor: page.next };
  }

  /** History entries (or `tx` event details) of the given ledger transactions, in their order. */
  async entries(walletId: string, txs: readonly LedgerTx[], tipHeight: number | null): Promise<TxHistoryEntry[]> {
    const l = await this.load(walletId, txs);
    return txs.map((t, i) => this.entry(t, l, i, tipHeight));
  }

  /** get_transaction: inputs, outputs, fee, vsize, status and hex of one ledger transaction. */
  async details(walletId: string, tx: LedgerTx, tipHeight: number | null): Promise<TxDetails> {
    const l = await this.load(walletId, [tx]);
    const decoded = l.decoded[0]!;
    return {
      ...this.entry(tx, l, 0, tipHeight),
      blockHash: tx.blockHash, inputs: inputViews(decoded, l.coins), vsize: decoded.virtualSize(), hex: tx.hex,
    };
  }

  private entry(t: LedgerTx, l: Loaded, i: number, tipHeight: number | null): TxHistoryEntry {
    const decoded = l.decoded[i]!;
    return {
      ...historyEntry(t, l.coins, tipHeight, decoded),
      label: l.txLabels.get(t.txid) ?? null,
      outputs: outputViews(t.txid, decoded, l.coins, l.labels, this.addressOf),
    };
  }

  private async load(walletId: string, txs: readonly LedgerTx[]): Promise<Loaded> {
    const { store } = this.deps;
    const decoded = txs.map((t) => Transaction.fromHex(t.hex));
    const txids = txs.map((t) => t.txid);
    const inputs = decoded.flatMap((d) => (d.isCoinbase() ? [] : d.ins.map((_, i) => inputOutpoint(d, i))));
    const [created, spent, txLabels, outputLabels] = await Promise.all([
      store.coinsOf(walletId, txids),
      store.getCoins(walletId, inputs),
      store.labelsOf(walletId, 'tx', txids),
      store.outputLabelsOf(walletId, txids),
    ]);
    const coins = new Map<Outpoint, LedgerCoin>(spent);
    for (const c of created) coins.set(`${c.txid}:${c.vout}`, c);
    const addresses = new Set<string>();
    txs.forEach((t, i) => decoded[i]!.outs.forEach((out, vout) => {
      const a = coins.get(`${t.txid}:${vout}`)?.address ?? this.addressOf(out.script);
      if (a !== null) addresses.add(a);
    }));
    const addressLabels = await store.addressLabels(walletId, [...addresses]);
    return { decoded, coins, labels: { outputs: outputLabels, addresses: addressLabels }, txLabels };
  }
}
