/**
 * The wallet events of SPEC §8 that follow a sync pass or an own send: `tx` (with the history
 * entry: outputs, addresses, labels), `confirmation` and `balance` (only when it really moved).
 */
import { readBalance } from './balance-reader.ts';
import type { PassOutcome } from './chain-follower.ts';
import { confirmations } from './coin-state.ts';
import { hasChanges } from './ledger.ts';
import { TxReader } from './tx-reader.ts';
import type { Clock, WalletStore } from '../ports.ts';
import type { WalletSettings } from '../settings.ts';
import type { Network, TxStatus } from '../types.ts';

/** What displaced a tx, when the wallet itself just replaced it (the ledger may not say yet). */
export interface TxLinks {
  replacedBy?: string;
  conflictedBy?: string;
}

/** Receives wallet events (SPEC §8); the notification layer persists and fans them out. */
export type WalletEventSink = (event: {
  type: 'tx' | 'confirmation' | 'balance' | 'block';
  walletId: string | null;
  data: Record<string, unknown>;
}) => void;

/** Turns pass outcomes and own sends into events. */
export class SyncEvents {
  /** The last balance announced per wallet, so a `balance` event means it really moved. */
  private readonly announced = new Map<string, string>();
  private readonly reader: TxReader;

  constructor(
    private readonly deps: { store: WalletStore; network: Network; clock: Clock; settings: WalletSettings; events?: WalletEventSink },
    private readonly tipHeight: () => number | null,
  ) {
    this.reader = new TxReader(deps);
  }

  /** A transaction the wallet itself just recorded (a send, a cancel), and the balance it leaves. */
  async announce(walletId: string, txid: string, status: TxStatus, links: TxLinks = {}): Promise<void> {
    await this.emitTxs(walletId, [[txid, status, links]]);
    await this.announceBalance(walletId);
  }

  /** Events of one pass: new and changed transactions, confirmations within depth, the balance. */
  async afterPass(walletId: string, outcome: PassOutcome, tipMoved: boolean): Promise<void> {
    const sink = this.deps.events;
    if (!sink) return;
    const { changes } = outcome;
    const txs: Array<[string, TxStatus]> = [...changes.newTxids].map((txid) => [txid, changes.statusChanges.get(txid) ?? 'pending']);
    changes.statusChanges.forEach((status, txid) => {
      if (!changes.newTxids.has(txid)) txs.push([txid, status]);
    });
    await this.emitTxs(walletId, txs);
    if (tipMoved || outcome.tipMoved) {
      const depth = this.deps.settings.confirmationDepth;
      const tip = outcome.tip.height;
      for (const tx of await this.deps.store.txsInHeights(walletId, tip - depth + 1, tip)) {
        sink({ type: 'confirmation', walletId, data: { txid: tx.txid, confirmations: confirmations(tx.blockHeight, tip), blockHeight: tx.blockHeight } });
      }
    }
    // Maturity moves coins between categories without any tx changing, so compare balances.
    if (hasChanges(changes) || outcome.reorged || tipMoved || outcome.tipMoved) {
      await this.announceBalance(walletId);
    }
  }

  /**
   * `tx` events carry the transaction's history entry (outputs with address, mine, change and
   * label; the tx label), so a subscriber sees which address was paid without another call.
   * Loading costs O(the transactions announced), never O(wallet).
   */
  private async emitTxs(walletId: string, list: ReadonlyArray<[string, TxStatus, TxLinks?]>): Promise<void> {
    const sink = this.deps.events;
    if (!sink || list.length === 0) return;
    const txs = (await Promise.all(list.map(([txid]) => this.deps.store.getTx(walletId, txid)))).filter((t) => t !== null);
    const entries = await this.reader.entries(walletId, txs, this.tipHeight());
    const byId = new Map(entries.map((e) => [e.txid, e]));
    for (const [txid, status, links] of list) sink({ type: 'tx', walletId, data: { ...byId.get(txid), txid, status, ...links } });
  }

  private async announceBalance(walletId: string): Promise<void> {
    const sink = this.deps.events;
    if (!sink) return;
    const balance = await readBalance(this.deps.store, walletId, {
      now: this.deps.clock.now(), spendZeroConfChange: this.deps.settings.spendZeroConfChange,
    });
    const key = JSON.stringify(balance);
    if (this.announced.get(walletId) === key) return;
    this.announced.set(walletId, key);
    sink({ type: 'balance', walletId, data: { ...balance } });
  }
}
