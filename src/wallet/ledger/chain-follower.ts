/**
 * One sync pass of one wallet, as chain events: locate a fork by stored block hashes (any
 * depth) and disconnect above it; scan new blocks and the mempool; apply what was found; derive
 * lookahead addresses until the gap holds; resolve unconfirmed transactions the node no longer
 * has. A pass with an unchanged tip and mempool writes nothing and reads nothing from the keystore.
 */
import { isWalletdError } from '../../errors.ts';
import { lookaheadRows } from '../keys/address-book.ts';
import { ChainMovedError, type ChainBackend, type ChainTx, type Clock, type ScanResult, type WalletStore } from '../ports.ts';
import type { BlockRef, Network, WalletRecord } from '../types.ts';
import { LedgerWriter, hasChanges, noChanges, type LedgerChanges } from './ledger.ts';
import type { LedgerTxn } from './ledger-store.ts';
import { WatchSet } from './watch-set.ts';
import { chainOrder } from './chain-order.ts';
import { classifyRejection, judgeMissingInputs, type Rebroadcast } from './rebroadcast.ts';

/** Dependencies of a pass. */
export interface FollowerDeps {
  store: WalletStore;
  chain: ChainBackend;
  network: Network;
  clock: Clock;
}

/** What a pass did, for notifications and status. */
export interface PassOutcome {
  tip: BlockRef;
  reorged: boolean;
  /** The highest block the stored chain and the node still share, when a reorg was followed. */
  fork?: BlockRef;
  changes: LedgerChanges;
  /** Coins matured or fell back as the tip moved. */
  tipMoved: boolean;
}

/** Passes started over because the chain moved under the scan, before giving up until the next poll. */
const MOVED_ATTEMPTS = 3;

/** Follows the chain for wallets, keeping each one's watch set between passes. */
export class ChainFollower {
  private readonly watches = new Map<string, WatchSet>();
  /** Each wallet's sync point as last written, so an idle poll needs no keystore read. */
  private readonly points = new Map<string, BlockRef | null>();
  /** Wallets whose cached watch set misses own transactions recorded since it was read. */
  private readonly staleUnconfirmed = new Set<string>();

  constructor(private readonly deps: FollowerDeps) {}

  /** Adds scripts of addresses derived outside sync (generate_address, change) to a cached watch set. */
  watchScripts(walletId: string, scripts: readonly string[]): void {
    const watch = this.watches.get(walletId);
    scripts.forEach((s) => watch?.scripts.add(s));
  }

  /**
   * The wallet recorded transactions of its own outside a pass (a send, a bump, a cancel): the
   * next pass re-reads the cached watch set's unconfirmed ones, so one the node never heard of
   * (the wallet lost the connection on the way) is rebroadcast rather than overlooked.
   */
  ownTxsRecorded(walletId: string): void {
    if (this.watches.has(walletId)) this.staleUnconfirmed.add(walletId);
  }

  /** True when a pass of this wallet ran in this process, so its sync point is cached. */
  knows(walletId: string): boolean {
    return this.points.has(walletId);
  }

  /** Drops a wallet's cached watch set (after a rescan request or an import). */
  forget(walletId: string): void {
    this.watches.delete(walletId);
    this.points.delete(walletId);
  }

  /**
   * Runs one pass for `wallet`. Throws CHAIN_UNAVAILABLE when the backend is down. A reorg that
   * lands between the fork check and the scan makes the backend refuse the scan; the pass then
   * starts over, fork check first, so no block of a chain that does not link is ever applied.
   */
  async pass(wallet: WalletRecord, onProgress?: (height: number, tipHeight: number) => void): Promise<PassOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.passOnce(wallet, onProgress);
      } catch (err) {
        if (!(err instanceof ChainMovedError) || attempt >= MOVED_ATTEMPTS) throw err;
      }
    }
  }

  private async passOnce(wallet: WalletRecord, onProgress?: (height: number, tipHeight: number) => void): Promise<PassOutcome> {
    const { store, chain } = this.deps;
    let watch = this.watches.get(wallet.id) ?? (await WatchSet.load(store, wallet.id));
    this.watches.set(wallet.id, watch);
    if (this.staleUnconfirmed.delete(wallet.id)) await watch.reloadUnconfirmed(store);
    const tip = await chain.getTip();
    const point = this.points.has(wallet.id) ? this.points.get(wallet.id)! : await store.getSyncPoint(wallet.id);
    this.points.set(wallet.id, point);
    const changes = noChanges();
    let from = point ? point.height + 1 : Math.max(0, wallet.birthHeight);
    let parent: BlockRef | undefined = point && point.hash !== '' && point.height >= 0 ? point : undefined;
    let reorged = false;
    let fork: BlockRef | undefined;
    // The tip we synced to is still the tip: nothing was disconnected, no hash to compare.
    if (point && point.hash !== '' && point.height >= 0 && point.hash !== tip.hash) {
      const nodeHash = point.height <= tip.height ? await chain.getBlockHash(point.height) : null;
      if (nodeHash !== point.hash) {
        const found = await this.findFork(wallet, point);
        fork = found;
        await this.apply(wallet, found.height, changes, async (w, txn) => {
          await w.disconnectAbove(found.height);
          await txn.setSyncPoint(found);
        });
        this.points.set(wallet.id, found);
        watch = await WatchSet.load(store, wallet.id);
        this.watches.set(wallet.id, watch);
        from = found.height + 1;
        parent = found.hash !== '' ? found : undefined;
        reorged = true;
      }
    }
    let scanned = await chain.scan({
      scripts: watch.scripts, outpoints: watch.outpoints, foreignOutpoints: watch.foreign, fromHeight: from, parent, onProgress,
    });
    const tipMoved = reorged || point?.hash !== scanned.tip.hash;
    const seenTxids = new Set(scanned.txs.map((t) => t.txid));
    if (tipMoved || this.anythingNew(watch, scanned)) {
      await this.applyScan(wallet, scanned, changes, { first: true });
      watch = await this.refreshWatch(wallet.id, watch, changes);
      // Discovery: addresses derived because the gap moved were never looked for in blocks
      // already scanned, so scan just those from the wallet's birth, until the gap holds.
      for (let fresh = await this.extendLookahead(wallet, watch); fresh.size > 0; fresh = await this.extendLookahead(wallet, watch)) {
        scanned = await chain.scan({
          scripts: fresh, outpoints: watch.outpoints, foreignOutpoints: watch.foreign, fromHeight: Math.max(0, wallet.birthHeight), onProgress,
        });
        scanned.txs.forEach((t) => seenTxids.add(t.txid));
        await this.applyScan(wallet, scanned, changes, { first: false });
        watch = await this.refreshWatch(wallet.id, watch, changes);
      }
    }
    await this.reviveAccepted(wallet, scanned.tip.height, changes);
    await this.resolveMissing(wallet, watch, seenTxids, scanned.tip.height, changes);
    if (hasChanges(changes)) watch = await this.refreshWatch(wallet.id, watch, changes);
    return { tip: scanned.tip, reorged, fork, changes, tipMoved };
  }

  /** True when the mempool shows something the ledger does not already hold as pending. */
  private anythingNew(watch: WatchSet, scanned: ScanResult): boolean {
    return scanned.txs.some((t) => t.blockHeight !== null || watch.unconfirmed.get(t.txid) !== 'pending');
  }

  private async refreshWatch(walletId: string, watch: WatchSet, changes: LedgerChanges): Promise<WatchSet> {
    const next = await watch.update(this.deps.store, changes);
    // What the update consumed must not be applied twice to the next one.
    changes.created = [];
    changes.spentConfirmed = [];
    changes.structural = false;
    this.watches.set(walletId, next);
    return next;
  }

  /** Applies a scan: blocks first in chain order, then the mempool, then the new sync point. */
  private async applyScan(wallet: WalletRecord, scanned: ScanResult, changes: LedgerChanges, opts: { first: boolean }): Promise<void> {
    const ordered = chainOrder(scanned.txs);
    await this.apply(wallet, scanned.tip.height, changes, async (writer, txn) => {
      for (const tx of ordered) await writer.seen(tx);
      if (!opts.first) return;
      await txn.putBlocks(scanned.blocks);
      await txn.setSyncPoint(scanned.tip);
      await writer.setTip(scanned.tip.height);
    });
    if (opts.first) this.points.set(wallet.id, scanned.tip);
  }

  /** Runs ledger events in one keystore transaction and merges what they changed into `changes`. */
  private async apply(
    wallet: WalletRecord,
    tipHeight: number,
    changes: LedgerChanges,
    fn: (writer: LedgerWriter, txn: LedgerTxn) => Promise<void>,
  ): Promise<void> {
    const writer = await this.deps.store.transact(wallet.id, async (txn) => {
      const w = new LedgerWriter(txn, tipHeight, this.deps.clock.now());
      await fn(w, txn);
      return w;
    });
    const c = writer.changes;
    c.newTxids.forEach((t) => changes.newTxids.add(t));
    c.statusChanges.forEach((s, t) => changes.statusChanges.set(t, s));
    changes.created.push(...c.created);
    changes.spentConfirmed.push(...c.spentConfirmed);
    changes.structural ||= c.structural;
    changes.revivable.push(...c.revivable);
  }

  /** Derives lookahead rows the gap now needs; returns their scripts (empty when the gap holds). */
  private async extendLookahead(wallet: WalletRecord, watch: WatchSet): Promise<Set<string>> {
    const rows = await this.deps.store.transact(wallet.id, async (txn) => {
      const more = lookaheadRows(wallet, this.deps.network, await txn.addressHighWater(), wallet.lookahead);
      await txn.insertAddresses(more);
      return more;
    });
    const scripts = new Set(rows.map((r) => r.script));
    scripts.forEach((s) => watch.scripts.add(s));
    return scripts;
  }

  /**
   * The highest stored block the node still has at the same height. Block hashes commit to
   * their ancestors, so a match at one height means every stored block below it matches too:
   * binary search finds the fork at any depth in O(log n) node calls.
   */
  private async findFork(wallet: WalletRecord, point: BlockRef): Promise<BlockRef> {
    const blocks = await this.deps.store.blocksUpTo(wallet.id, point.height);
    let lo = 0;
    let hi = blocks.length - 1;
    let best: BlockRef | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = blocks[mid]!;
      if ((await this.deps.chain.getBlockHash(b.height)) === b.hash) {
        best = b;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best ?? { height: Math.max(-1, wallet.birthHeight - 1), hash: '' };
  }

  /**
   * Unconfirmed wallet transactions the scan did not see. Rebroadcast each, parents first, as
   * Core's wallet does: a still-valid tx evicted from the mempool stays pending; one that can
   * never confirm is conflicted, and its coins come back (rebroadcast.ts says which is which).
   */
  private async resolveMissing(wallet: WalletRecord, watch: WatchSet, seen: ReadonlySet<string>, tipHeight: number, changes: LedgerChanges): Promise<void> {
    const missing = [...watch.unconfirmed.keys()].filter((txid) => !seen.has(txid));
    if (missing.length === 0) return;
    const txs = chainOrder((await this.deps.store.unconfirmedTxs(wallet.id)).filter((t) => missing.includes(t.txid)).map(asChainTx));
    const outcomes = new Map<string, Rebroadcast>();
    for (const tx of txs) outcomes.set(tx.txid, await this.rebroadcast(tx.hex));
    await this.apply(wallet, tipHeight, changes, async (writer, txn) => {
      for (const [txid, outcome] of outcomes) {
        // Read each one afresh: deactivating a parent above may already have conflicted it.
        const tx = (await txn.getTxs([txid])).get(txid);
        if (!tx || (tx.status !== 'pending' && tx.status !== 'broadcasting')) continue;
        const verdict = outcome === 'missing-inputs' ? await judgeMissingInputs(txn, tx, { seen, outcomes }) : outcome;
        if (verdict === 'accepted') {
          if (tx.status === 'broadcasting' || !tx.relayed) await writer.seen(asChainTx(tx));
        } else if (verdict === 'kept') await writer.setRelayed(tx, false);
        else await writer.deactivate(tx, verdict, null);
      }
    });
  }

  /** Rebroadcasts txs whose dead parent is back, parents first; those the node takes are pending again. */
  private async reviveAccepted(wallet: WalletRecord, tipHeight: number, changes: LedgerChanges): Promise<void> {
    if (changes.revivable.length === 0) return;
    const ids = [...new Set(changes.revivable)];
    changes.revivable = [];
    const stored = await Promise.all(ids.map((id) => this.deps.store.getTx(wallet.id, id)));
    const accepted: ChainTx[] = [];
    for (const tx of chainOrder(stored.filter((t) => t?.status === 'conflicted').map((t) => asChainTx(t!)))) {
      if ((await this.rebroadcast(tx.hex)) === 'accepted') accepted.push(tx);
    }
    if (accepted.length === 0) return;
    await this.apply(wallet, tipHeight, changes, async (writer) => {
      for (const tx of accepted) await writer.seen(tx);
    });
  }

  private async rebroadcast(hex: string): Promise<Rebroadcast> {
    try {
      await this.deps.chain.broadcast(hex);
      return 'accepted';
    } catch (err) {
      if (!isWalletdError(err, 'BROADCAST_REJECTED')) throw err;
      return classifyRejection(String((err.details as { reason?: unknown } | undefined)?.reason ?? err.message));
    }
  }
}

function asChainTx(t: { txid: string; hex: string }): ChainTx {
  return { txid: t.txid, hex: t.hex, blockHeight: null, blockHash: null, blockTime: null };
}
