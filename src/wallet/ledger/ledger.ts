/**
 * Chain events applied to the ledger, one at a time, inside one SQL transaction each: a
 * transaction seen (in a block or the mempool), a block range disconnected, a transaction that
 * left the mempool resolved. Like bcoin's txdb, every coin change is written with its cause, so
 * reads never have to replay history. Pure over the LedgerTxn port: no I/O of its own.
 */
import { Transaction } from 'bitcoinjs-lib';
import type { TxStatus } from '../types.ts';
import { coinBucket, maturityHorizon } from './coin-state.ts';
import { settleTrust } from './trust.ts';
import type { LedgerTxn } from './ledger-store.ts';
import { LIVE_STATUSES, type LedgerCoin, type LedgerTx, type Outpoint } from './ledger-types.ts';
import { outpointOf, prevoutsOf } from './outpoints.ts';

/** A transaction as the chain shows it: mined when `blockHeight` is set, else in the mempool. */
export interface SeenTx {
  txid: string;
  hex: string;
  blockHeight: number | null;
  blockHash: string | null;
  blockTime: number | null;
}

/** What applying events changed, for notifications. */
export interface LedgerChanges {
  newTxids: Set<string>;
  /** Transactions whose status changed, with the new status. */
  statusChanges: Map<string, TxStatus>;
  /** Coins created, and coins spent by a confirmed tx: what the scan's watch set gains and loses. */
  created: Outpoint[];
  spentConfirmed: Outpoint[];
  /** A deactivation or disconnect happened: coins came back, so the watch set is reloaded. */
  structural: boolean;
  /**
   * Txs that died with a parent that is back (an orphaned coinbase mined again): they may
   * confirm again, and come back only if the node takes them (chain-follower rebroadcasts them).
   */
  revivable: string[];
}

/** An empty change set. */
export function noChanges(): LedgerChanges {
  return { newTxids: new Set(), statusChanges: new Map(), created: [], spentConfirmed: [], structural: false, revivable: [] };
}

/** True when something a client would notice changed. */
export function hasChanges(c: LedgerChanges): boolean {
  return c.newTxids.size > 0 || c.statusChanges.size > 0 || c.structural;
}

/** Where a transaction that spends some outpoints was seen: in a block, in the mempool, or recorded by the wallet itself. */
type Winner = 'block' | 'mempool' | 'own';

/** Applies ledger events for one wallet through `txn`, counting confirmations against `tipHeight`. */
export class LedgerWriter {
  readonly changes: LedgerChanges = noChanges();
  /** Txs whose status or relay changed since trust was last settled. */
  private readonly trustRoots = new Set<string>();

  constructor(
    private readonly txn: LedgerTxn,
    private tipHeight: number,
    private readonly now: number,
  ) {}

  /**
   * Moves the tip used for maturity; coinbases that matured or fell back are re-bucketed. Every
   * still-immature coin is a candidate, so a tip that jumped many blocks in one pass misses none.
   */
  async setTip(tipHeight: number): Promise<void> {
    this.tipHeight = tipHeight;
    const coins = await this.txn.maturityCandidates(maturityHorizon(tipHeight) - 1);
    await this.refresh(coins.map(outpointOf));
  }

  /**
   * A transaction seen on chain or in the mempool (or, with `status: 'broadcasting'`, one the
   * wallet is about to send). Returns false when it neither pays nor spends the wallet; it may
   * still have knocked out a wallet transaction that spent the same input.
   */
  async seen(seen: SeenTx, opts: { status?: TxStatus } = {}): Promise<boolean> {
    const decoded = Transaction.fromHex(seen.hex);
    const coinbase = decoded.isCoinbase();
    const prevouts = prevoutsOf(decoded);
    const scripts = decoded.outs.map((o) => Buffer.from(o.script).toString('hex'));
    const [known, ownCoins, addresses] = await Promise.all([
      this.txn.getTxs([seen.txid]),
      this.txn.getCoins(prevouts),
      this.txn.addressesByScript([...new Set(scripts)]),
    ]);
    const existing = known.get(seen.txid);
    const status: TxStatus = opts.status ?? (seen.blockHeight !== null ? 'confirmed' : 'pending');
    const relevant = existing !== undefined || ownCoins.size > 0 || scripts.some((s) => addresses.has(s));
    // A block is final for its spends, and the wallet's own record is its newest decision; a
    // mempool view may predate a broadcast that is still on its way.
    const winner: Winner = status === 'confirmed' ? 'block' : opts.status ? 'own' : 'mempool';
    if (!relevant) {
      await this.knockOut(seen.txid, prevouts, winner);
      await this.settle();
      return false;
    }
    // Core's IsTrusted for an own tx: every input is ours and was itself confirmed or trusted.
    const trusted = !coinbase && prevouts.every((op) => {
      const c = ownCoins.get(op);
      return c !== undefined && (c.blockHeight !== null || c.trusted);
    });
    const tx: LedgerTx = {
      walletId: this.txn.walletId, txid: seen.txid, hex: seen.hex, status,
      blockHeight: status === 'confirmed' ? seen.blockHeight : null,
      blockHash: status === 'confirmed' ? seen.blockHash : null,
      blockTime: status === 'confirmed' ? seen.blockTime : null,
      coinbase, trusted, replacedBy: null, conflictedBy: null,
      firstSeen: existing?.firstSeen ?? this.now, label: existing?.label ?? null, relayed: true,
    };
    // Only a disconnect takes a tx out of a block, and a broadcasting record never downgrades
    // what the chain already said: a stale mempool view must not undo either.
    if (existing?.status === 'confirmed' && status !== 'confirmed') return true;
    if (existing && opts.status === 'broadcasting' && existing.status !== 'broadcasting') return true;
    if (winner === 'mempool' && existing?.status === 'replaced' && (await this.replacementUnanswered(existing))) return true;
    await this.txn.putTx(tx);
    if (!existing) {
      this.changes.newTxids.add(tx.txid);
      // A new mined tx has no unconfirmed children yet; a new mempool tx's parents may be untrusted.
      if (status !== 'confirmed') this.trustRoots.add(tx.txid);
    } else if (existing.status !== status) this.noteStatus(tx.txid, status);
    // It had died on its own (an orphaned coinbase, missing inputs) and is back, so what died with
    // it may confirm again. Core keeps such txs abandoned until the network shows them again, so
    // they come back only if the node takes them (the follower asks it).
    if (existing?.status === 'conflicted' && existing.conflictedBy === null) {
      this.changes.revivable.push(...(await this.txn.conflictedBy([tx.txid])).map((t) => t.txid));
    }
    await this.txn.addSpends(prevouts.map((outpoint) => ({ outpoint, spender: tx.txid })));
    const created: LedgerCoin[] = [];
    scripts.forEach((script, vout) => {
      const row = addresses.get(script);
      if (!row) return;
      created.push({
        walletId: tx.walletId, txid: tx.txid, vout, value: decoded.outs[vout]!.value, script, address: row.address,
        chain: row.chain, index: row.index, coinbase, blockHeight: tx.blockHeight, trusted, spentBy: null, bucket: 'dead',
      });
    });
    await this.txn.insertCoins(created);
    this.changes.created.push(...created.map(outpointOf));
    if (status === 'confirmed') this.changes.spentConfirmed.push(...ownCoins.keys());
    await this.txn.markUsed([...new Set(created.map((c) => c.script))]);
    await this.knockOut(tx.txid, prevouts, winner);
    await this.refresh([...ownCoins.keys(), ...created.map(outpointOf)]);
    await this.settle();
    return true;
  }

  /**
   * `winner` spends `prevouts`; every other wallet transaction spending one of them can no longer
   * confirm. A confirmed winner conflicts them; a mempool winner or the wallet's own newer
   * transaction replaced them (BIP125). A mempool winner spares a rival still `broadcasting`: the
   * node has not answered for it yet (the wallet died or lost the connection on the way), so the
   * follower sends it and the node's answer decides, not a view that may predate it.
   */
  private async knockOut(winnerTxid: string, prevouts: readonly Outpoint[], winner: Winner): Promise<void> {
    if (prevouts.length === 0) return;
    const confirmed = winner === 'block';
    const rivals = [...new Set((await this.txn.spendersOf(prevouts)).map((s) => s.spender))].filter((t) => t !== winnerTxid);
    if (rivals.length === 0) return;
    for (const rival of (await this.txn.getTxs(rivals)).values()) {
      if (rival.status === 'pending' || (rival.status === 'broadcasting' && winner !== 'mempool')) {
        await this.deactivate(rival, confirmed ? 'conflicted' : 'replaced', winnerTxid);
      } else if (confirmed && rival.status === 'replaced') {
        await this.deactivate(rival, 'conflicted', winnerTxid);
      }
    }
  }

  /**
   * True when the wallet replaced `tx` with a transaction the node has not answered for yet: the
   * mempool still shows `tx` because the replacement has not reached it, not because it lost.
   */
  private async replacementUnanswered(tx: LedgerTx): Promise<boolean> {
    if (tx.replacedBy === null) return false;
    return (await this.txn.getTxs([tx.replacedBy])).get(tx.replacedBy)?.status === 'broadcasting';
  }

  /** The node refuses to hold a still-valid `tx` for now (or holds it again): its outputs stop (or start) counting. */
  async setRelayed(tx: LedgerTx, relayed: boolean): Promise<void> {
    if (tx.relayed === relayed) return;
    await this.txn.putTx({ ...tx, relayed });
    this.changes.structural = true;
    this.trustRoots.add(tx.txid);
    await this.refreshTxs([tx.txid]);
    await this.settle();
  }

  /**
   * Marks `tx` replaced or conflicted, and every unconfirmed descendant conflicted (their inputs
   * will never exist); the coins they created leave the balance and the coins they spent return.
   */
  async deactivate(tx: LedgerTx, status: 'replaced' | 'conflicted', by: string | null): Promise<void> {
    const links = status === 'replaced' ? { replacedBy: by } : { conflictedBy: by };
    await this.txn.setTxStatus(tx.txid, status, links);
    this.noteStatus(tx.txid, status);
    this.changes.structural = true;
    const affected = [tx.txid];
    for (let frontier = [tx.txid]; frontier.length > 0; ) {
      const outs = (await this.txn.coinsOf(frontier)).map(outpointOf);
      const children = [...new Set((await this.txn.spendersOf(outs)).map((s) => s.spender))];
      frontier = [];
      for (const child of (await this.txn.getTxs(children)).values()) {
        if (child.status !== 'broadcasting' && child.status !== 'pending') continue;
        await this.txn.setTxStatus(child.txid, 'conflicted', { conflictedBy: by ?? tx.txid });
        this.noteStatus(child.txid, 'conflicted');
        affected.push(child.txid);
        frontier.push(child.txid);
      }
    }
    await this.refreshTxs(affected);
    await this.settle();
  }

  /**
   * The chain above `forkHeight` is gone: its transactions go back to pending (the mempool and
   * the next blocks decide their fate), its coinbases are orphaned, and whatever they had
   * conflicted may confirm again.
   */
  async disconnectAbove(forkHeight: number): Promise<void> {
    const gone = await this.txn.txsAbove(forkHeight);
    this.changes.structural = true;
    const revived = await this.txn.conflictedBy(gone.map((t) => t.txid));
    for (const tx of gone) {
      await this.txn.putTx({ ...tx, status: 'pending', blockHeight: null, blockHash: null, blockTime: null });
      this.noteStatus(tx.txid, 'pending');
    }
    await this.refreshTxs(gone.map((t) => t.txid));
    await this.revive(revived);
    // An orphaned coinbase can never be mined again in another block: its outputs are gone.
    for (const tx of gone) if (tx.coinbase) await this.deactivate({ ...tx, status: 'pending' }, 'conflicted', null);
    await this.txn.deleteBlocksAbove(forkHeight);
    await this.setTip(Math.min(this.tipHeight, forkHeight));
    await this.settle();
  }

  /**
   * Removes a transaction the node refused before anyone saw it: its coins return, and a
   * transaction it was to replace (a cancel's original) is pending again.
   */
  async forget(txid: string): Promise<void> {
    const [inputs, replaced] = await Promise.all([this.txn.inputsOf([txid]), this.txn.replacedBy([txid])]);
    await this.txn.deleteTx(txid);
    this.changes.structural = true;
    for (const tx of replaced) {
      await this.txn.putTx({ ...tx, status: 'pending', replacedBy: null });
      this.noteStatus(tx.txid, 'pending');
    }
    await this.refresh(inputs.map((s) => s.outpoint));
    await this.refreshTxs(replaced.map((t) => t.txid));
    await this.settle();
  }

  /** Conflicted txs back to pending. */
  private async revive(txs: readonly LedgerTx[]): Promise<void> {
    for (const tx of txs) {
      await this.txn.putTx({ ...tx, status: 'pending', conflictedBy: null });
      this.noteStatus(tx.txid, 'pending');
    }
    await this.refreshTxs(txs.map((t) => t.txid));
  }

  /** Records a status change for notifications and for the next trust settlement. */
  private noteStatus(txid: string, status: TxStatus): void {
    this.changes.statusChanges.set(txid, status);
    this.trustRoots.add(txid);
  }

  /** Re-derives trust below every tx whose status changed, and re-buckets the coins that flipped. */
  private async settle(): Promise<void> {
    if (this.trustRoots.size === 0) return;
    const roots = new Set(this.trustRoots);
    this.trustRoots.clear();
    await this.refreshTxs(await settleTrust(this.txn, roots));
  }

  /** Re-buckets the coins created and spent by the given transactions. */
  private async refreshTxs(txids: readonly string[]): Promise<void> {
    if (txids.length === 0) return;
    const [created, inputs] = await Promise.all([this.txn.coinsOf(txids), this.txn.inputsOf(txids)]);
    await this.refresh([...created.map(outpointOf), ...inputs.map((s) => s.outpoint)]);
  }

  /** Recomputes the bucket, spender, height and trust of the given coins from their transactions. */
  private async refresh(outpoints: readonly Outpoint[]): Promise<void> {
    if (outpoints.length === 0) return;
    const coins = await this.txn.getCoins([...new Set(outpoints)]);
    if (coins.size === 0) return;
    const spends = await this.txn.spendersOf([...coins.keys()]);
    const txs = await this.txn.getTxs([...new Set([...[...coins.values()].map((c) => c.txid), ...spends.map((s) => s.spender)])]);
    const liveSpender = new Map<Outpoint, string>();
    for (const s of spends) {
      const spender = txs.get(s.spender);
      if (!spender || !LIVE_STATUSES.has(spender.status)) continue;
      // A confirmed spender wins over an unconfirmed one left behind by a race.
      if (!liveSpender.has(s.outpoint) || spender.status === 'confirmed') liveSpender.set(s.outpoint, s.spender);
    }
    const changed: LedgerCoin[] = [];
    for (const [op, coin] of coins) {
      const creator = txs.get(coin.txid);
      if (!creator) continue;
      const spentBy = liveSpender.get(op) ?? null;
      const next: LedgerCoin = {
        ...coin, blockHeight: creator.status === 'confirmed' ? creator.blockHeight : null, trusted: creator.trusted, spentBy,
        bucket: coinBucket({
          coinbase: coin.coinbase, blockHeight: creator.blockHeight, trusted: creator.trusted,
          creatorStatus: creator.status, creatorRelayed: creator.relayed, spentByLive: spentBy !== null,
        }, this.tipHeight),
      };
      if (next.bucket !== coin.bucket || next.spentBy !== coin.spentBy || next.blockHeight !== coin.blockHeight || next.trusted !== coin.trusted) {
        changed.push(next);
      }
    }
    await this.txn.updateCoins(changed);
  }
}
