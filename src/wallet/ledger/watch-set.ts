/**
 * What a scan looks for, kept in memory between polls so an idle poll reads nothing from the
 * keystore: the wallet's scripts, the outpoints it owns, the foreign inputs of its unconfirmed
 * transactions (a block spending one of those conflicts them), and those transactions' states.
 */
import { Transaction } from 'bitcoinjs-lib';
import type { TxStatus } from '../types.ts';
import type { LedgerChanges } from './ledger.ts';
import { prevoutsOf } from './outpoints.ts';
import type { LedgerStore } from './ledger-store.ts';
import type { Outpoint } from './ledger-types.ts';

/** Address scripts are listed by the wallet store (the address book owns them). */
export interface ScriptSource {
  listScripts(walletId: string): Promise<string[]>;
}

/** One wallet's watch set. */
export class WatchSet {
  readonly scripts = new Set<string>();
  readonly outpoints = new Set<Outpoint>();
  readonly foreign = new Set<Outpoint>();
  /** Unconfirmed wallet transactions and their status; `unrelayed` for a pending one the node refuses to hold. */
  readonly unconfirmed = new Map<string, TxStatus | 'unrelayed'>();

  private constructor(private readonly walletId: string) {}

  /** Loads the watch set from the keystore: once per wallet per daemon, and after a reorg. */
  static async load(store: LedgerStore & ScriptSource, walletId: string): Promise<WatchSet> {
    const w = new WatchSet(walletId);
    const [scripts, outpoints] = await Promise.all([store.listScripts(walletId), store.watchedOutpoints(walletId)]);
    scripts.forEach((s) => w.scripts.add(s));
    outpoints.forEach((o) => w.outpoints.add(o));
    await w.reloadUnconfirmed(store);
    return w;
  }

  /** Re-reads the unconfirmed transactions (few) and their foreign inputs. */
  async reloadUnconfirmed(store: LedgerStore): Promise<void> {
    this.unconfirmed.clear();
    this.foreign.clear();
    for (const tx of await store.unconfirmedTxs(this.walletId)) {
      this.unconfirmed.set(tx.txid, tx.status === 'pending' && !tx.relayed ? 'unrelayed' : tx.status);
      for (const op of prevoutsOf(Transaction.fromHex(tx.hex))) if (!this.outpoints.has(op)) this.foreign.add(op);
    }
  }

  /** Follows what a ledger update changed; a structural change reloads everything. */
  async update(store: LedgerStore & ScriptSource, changes: LedgerChanges): Promise<WatchSet> {
    if (changes.structural) return WatchSet.load(store, this.walletId);
    changes.created.forEach((o) => this.outpoints.add(o));
    changes.spentConfirmed.forEach((o) => this.outpoints.delete(o));
    await this.reloadUnconfirmed(store);
    return this;
  }
}
