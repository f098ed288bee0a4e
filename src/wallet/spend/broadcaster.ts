/**
 * Sends the wallet's own signed transactions, crash-consistently (SPEC §5): each is recorded
 * as `broadcasting`, its coins spent, before `sendrawtransaction`, so neither a crash nor a lost
 * answer can free coins the node may already be relaying.
 */
import { isWalletdError } from '../../errors.ts';
import { forgetRefused, markAccepted, recordOwnTx, type OwnTxContext } from '../ledger/own-tx.ts';
import type { ChainBackend, Clock, WalletStore } from '../ports.ts';
import type { TxStatus } from '../types.ts';

/**
 * An error that leaves it unknown whether the node received the transaction (the request went
 * out, the answer did not come back). Only an explicit refusal proves it was not relayed.
 */
function isAmbiguous(err: unknown): boolean {
  return !isWalletdError(err, 'BROADCAST_REJECTED');
}

/** A refusal that means the node already has it (a sync pass rebroadcast it first). */
function alreadyKnown(err: unknown): boolean {
  if (!isWalletdError(err, 'BROADCAST_REJECTED')) return false;
  const reason = String((err.details as { reason?: unknown } | undefined)?.reason ?? err.message);
  return /already in (the )?mempool|txn-already-known|txn-already-in-mempool/i.test(reason);
}

/** What the broadcaster needs. */
export interface BroadcasterDeps {
  store: WalletStore;
  clock: Clock;
  chain(): ChainBackend;
  tipHeight(): number | null;
  refresh(walletId: string): void;
  announce(walletId: string, txid: string, status: TxStatus, links?: { replacedBy?: string; conflictedBy?: string }): Promise<void>;
}

/** Records, then broadcasts, the wallet's own transactions. */
export class Broadcaster {
  constructor(private readonly deps: BroadcasterDeps) {}

  /**
   * Records `tx` as broadcasting, then sends it. A refusal forgets it (its coins come back) and
   * rethrows; an ambiguous failure keeps it broadcasting for sync to settle, and says so.
   */
  async send(walletId: string, tx: { txid: string; hex: string }): Promise<TxStatus> {
    const chain = this.deps.chain();
    const displaced = await recordOwnTx(await this.context(walletId), walletId, tx, 'broadcasting');
    try {
      await chain.broadcast(tx.hex);
    } catch (err) {
      if (isAmbiguous(err)) {
        this.deps.refresh(walletId);
        await this.deps.announce(walletId, tx.txid, 'broadcasting');
        await this.announceDisplaced(walletId, tx.txid, displaced);
        return 'broadcasting';
      }
      if (!alreadyKnown(err)) {
        await forgetRefused(await this.context(walletId), walletId, tx.txid);
        throw err;
      }
    }
    await markAccepted(await this.context(walletId), walletId, tx.txid);
    this.deps.refresh(walletId);
    await this.deps.announce(walletId, tx.txid, 'pending');
    await this.announceDisplaced(walletId, tx.txid, displaced);
    return 'pending';
  }

  /** `tx` events for what a replacement displaced: the original `replaced` (with `replacedBy`), its descendants `conflicted`. */
  private async announceDisplaced(walletId: string, by: string, displaced: ReadonlyMap<string, TxStatus>): Promise<void> {
    for (const [txid, status] of displaced) {
      await this.deps.announce(walletId, txid, status, status === 'replaced' ? { replacedBy: by } : { conflictedBy: by });
    }
  }

  /** The ledger's clock and tip, for recording. */
  private async context(walletId: string): Promise<OwnTxContext> {
    return {
      store: this.deps.store,
      tipHeight: this.deps.tipHeight() ?? (await this.deps.store.getSyncPoint(walletId))?.height ?? 0,
      now: this.deps.clock.now(),
    };
  }
}
