/**
 * Keeps every wallet in step with the chain: polls the backend, runs sync passes, backs off while
 * the backend is down (never crashing), reports progress, and emits wallet events.
 */
import { fail, isWalletdError } from '../../errors.ts';
import { ChainFollower, type PassOutcome } from './chain-follower.ts';
import type { ChainBackend, Clock, WalletStore } from '../ports.ts';
import type { WalletLog, WalletSettings } from '../settings.ts';
import type { BlockRef, Network, TxStatus, WalletRecord } from '../types.ts';
import type { SyncStatus } from '../wallet-api.ts';
import { ScanProgress } from './sync-progress.ts';
import { SyncEvents, type TxLinks, type WalletEventSink } from './sync-events.ts';

export type { WalletEventSink } from './sync-events.ts';

/** How long one long-poll for a new block waits before asking again. */
const LONG_POLL_MS = 30_000;

/** Longest wait between retries while the backend is unreachable. */
const MAX_BACKOFF_MS = 30_000;

interface RunnerDeps {
  store: WalletStore;
  chain: ChainBackend | null;
  network: Network;
  clock: Clock;
  settings: WalletSettings;
  log: WalletLog;
  events?: WalletEventSink;
}

/** Drives sync passes on a timer, one at a time. */
export class SyncRunner {
  private tip: BlockRef | null = null;
  private state: SyncStatus['state'];
  private readonly perWallet = new Map<string, { syncHeight: number | null; progress: number; syncing: boolean }>();
  private backoffMs = 0;
  private cancelTimer: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private longPollAbort: AbortController | null = null;
  private readonly follower: ChainFollower | null;
  /** The backend's last failure cause, logged once each time it changes. */
  private lastFailure: string | null = null;
  /** Rescans asked for and not yet started: wallet id → first height to scan. */
  private readonly rescans = new Map<string, number>();
  private readonly progress: ScanProgress;
  private readonly walletEvents: SyncEvents;
  /** The last failure and when it happened; kept after recovery, for get_node_info. */
  private lastError: { message: string; at: number } | null = null;

  constructor(private readonly deps: RunnerDeps) {
    this.state = deps.chain ? 'syncing' : 'offline';
    this.follower = deps.chain ? new ChainFollower({ ...deps, chain: deps.chain }) : null;
    this.progress = new ScanProgress(() => deps.clock.now());
    this.walletEvents = new SyncEvents(deps, () => this.tipHeight());
  }

  /** Starts polling; an offline signer has nothing to follow. */
  start(): void {
    if (!this.deps.chain || !this.stopped) return;
    this.stopped = false;
    this.schedule(0);
    if (this.deps.chain.waitForTip) void this.longPoll(this.deps.chain);
  }

  /** Stops polling and waits for a pass in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.longPollAbort?.abort();
    await this.running;
  }

  /**
   * Learns of blocks the moment the node has them (long-poll), so a block reaches subscribers in
   * well under a poll interval; the timer keeps polling as the fallback and for the mempool.
   */
  private async longPoll(chain: ChainBackend): Promise<void> {
    while (!this.stopped) {
      this.longPollAbort = new AbortController();
      try {
        const tip = await chain.waitForTip!(this.tip?.hash ?? null, LONG_POLL_MS, this.longPollAbort.signal);
        if (tip && tip.hash !== this.tip?.hash) this.requestSync();
      } catch {
        // The poll reports backend trouble; here, wait as long as a poll would before retrying.
        if (!this.stopped) await new Promise<void>((resolve) => this.deps.clock.setTimer(Math.max(this.deps.settings.pollIntervalMs, this.backoffMs), resolve));
      }
    }
  }

  /** Asks for a pass soon (after a wallet is created or a tx is sent). */
  requestSync(walletId?: string): void {
    if (walletId !== undefined) this.follower?.ownTxsRecorded(walletId);
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** The wallet derived new addresses: the next scan must look for them too. */
  watchScripts(walletId: string, scripts: readonly string[]): void {
    this.follower?.watchScripts(walletId, scripts);
  }

  /** Runs a pass now and waits for it; used by tests and rescans. */
  async syncNow(): Promise<void> {
    if (!this.deps.chain) return;
    await this.running;
    await this.tick();
  }

  /** Last known tip height, or null before the first contact. */
  tipHeight(): number | null {
    return this.tip?.height ?? null;
  }

  /** The tip height now when the backend answers; else the last known one, else 0. */
  async currentTipHeight(): Promise<number> {
    if (!this.deps.chain) return this.tip?.height ?? 0;
    try {
      return (await this.deps.chain.getTip()).height;
    } catch {
      return this.tip?.height ?? 0;
    }
  }

  /** Overall status for get_node_info, /readyz and metrics. */
  status(): {
    backend: string; state: SyncStatus['state']; tipHeight: number | null; syncHeight: number | null;
    lastError: { message: string; at: number } | null;
  } {
    const heights = [...this.perWallet.values()].map((w) => w.syncHeight ?? -1);
    return {
      backend: this.deps.chain?.kind ?? 'none',
      state: this.state,
      tipHeight: this.tipHeight(),
      syncHeight: heights.length ? Math.min(...heights) : this.tipHeight(),
      lastError: this.lastError,
    };
  }

  /** One wallet's sync status, for get_wallet_info. */
  walletStatus(walletId: string): SyncStatus {
    const w = this.perWallet.get(walletId);
    const synced = w !== undefined && !w.syncing && w.syncHeight !== null && w.syncHeight === this.tipHeight();
    return {
      state: this.state === 'offline' || this.state === 'unavailable' ? this.state : synced ? 'synced' : 'syncing',
      syncHeight: w?.syncHeight ?? null,
      tipHeight: this.tipHeight(),
      progress: synced ? 1 : (w?.progress ?? 0),
      ...this.progress.view(walletId, w?.syncHeight ?? null),
    };
  }

  /**
   * Rescans `walletId` from `fromHeight`: its sync point moves back to `fromHeight - 1` and the
   * sync loop scans forward again, re-applying blocks it already knows idempotently and finding
   * what it missed. Nothing the ledger holds is dropped. The new point is stored at once, so a
   * restart still rescans; the loop applies it again at a pass boundary, where no pass in flight
   * can overwrite it.
   */
  async rescan(walletId: string, fromHeight: number): Promise<{ fromHeight: number; tipHeight: number }> {
    const tip = await this.currentTipHeight();
    if (fromHeight > tip) fail('INVALID_PARAMS', `fromHeight ${fromHeight} is above the tip (${tip})`, { field: 'fromHeight', tipHeight: tip });
    const prev = this.rescans.get(walletId);
    this.rescans.set(walletId, prev === undefined ? fromHeight : Math.min(prev, fromHeight));
    await this.resetSyncPoint(walletId, fromHeight);
    const entry = this.perWallet.get(walletId) ?? { syncHeight: null, progress: 0, syncing: true };
    Object.assign(entry, { syncing: true, progress: 0 });
    this.perWallet.set(walletId, entry);
    this.deps.log.info({ wallet: walletId, fromHeight, tip }, 'rescan requested');
    this.requestSync(walletId);
    return { fromHeight, tipHeight: tip };
  }

  private async resetSyncPoint(walletId: string, fromHeight: number): Promise<void> {
    const hash = fromHeight > 0 ? ((await this.deps.chain!.getBlockHash(fromHeight - 1)) ?? '') : '';
    await this.deps.store.transact(walletId, (txn) => txn.setSyncPoint({ height: fromHeight - 1, hash }));
    // Lookahead discovery scans new addresses from the birth height: it must cover the rescan too.
    await this.deps.store.lowerBirthHeight(walletId, fromHeight);
  }

  private schedule(ms: number): void {
    this.cancelTimer?.();
    this.cancelTimer = this.deps.clock.setTimer(ms, () => {
      this.cancelTimer = null;
      void this.tick();
    });
  }

  private async tick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass().finally(() => {
      this.running = null;
      if (this.stopped) return;
      const again = this.again;
      this.again = false;
      this.schedule(again ? 0 : this.backoffMs || this.deps.settings.pollIntervalMs);
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const chain = this.deps.chain!;
    try {
      const tip = await chain.getTip();
      const tipMoved = tip.hash !== this.tip?.hash;
      if (tipMoved) this.deps.events?.({ type: 'block', walletId: null, data: { height: tip.height, hash: tip.hash } });
      this.tip = tip;
      for (const wallet of await this.deps.store.listWallets()) {
        try {
          await this.syncOne(wallet.id, tipMoved);
        } catch (err) {
          // A backend outage stops the whole pass; any other failure is this wallet's alone.
          if (isWalletdError(err, 'CHAIN_UNAVAILABLE')) throw err;
          const entry = this.perWallet.get(wallet.id);
          if (entry) entry.syncing = false;
          this.deps.log.error({ wallet: wallet.id, err: (err as Error).message }, 'wallet sync failed; other wallets continue');
        }
      }
      if (this.state !== 'syncing' && this.state !== 'synced') this.deps.log.info({ tip: tip.height }, 'chain backend reachable');
      this.state = 'synced';
      this.backoffMs = 0;
      this.lastFailure = null;
    } catch (err) {
      const cause = (err as Error).message;
      if (!isWalletdError(err, 'CHAIN_UNAVAILABLE')) this.deps.log.error({ err: cause }, 'sync pass failed');
      this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(this.deps.settings.pollIntervalMs, this.backoffMs * 2));
      // The cause (refused, timeout, HTTP 401) is what an operator needs; say it once per change.
      if (cause !== this.lastFailure) this.deps.log.warn({ cause, retryInMs: this.backoffMs }, 'chain backend unavailable; retrying');
      this.lastFailure = cause;
      this.lastError = { message: cause, at: this.deps.clock.now() };
      this.state = 'unavailable';
    }
  }

  /** The backend's last failure cause while it is unavailable (credentials already redacted by the adapters). */
  lastBackendError(): string | null {
    return this.lastFailure;
  }

  /**
   * Announces a transaction the wallet itself just recorded (a send, a cancel), with the
   * balance it leaves, without waiting for the next block (SPEC §8).
   */
  async announce(walletId: string, txid: string, status: TxStatus, links: TxLinks = {}): Promise<void> {
    await this.walletEvents.announce(walletId, txid, status, links);
  }

  private async syncOne(walletId: string, tipMoved: boolean): Promise<void> {
    const wallet = await this.deps.store.getWallet(walletId);
    if (!wallet) return;
    const entry = this.perWallet.get(walletId) ?? { syncHeight: null, progress: 0, syncing: true };
    entry.syncing = true;
    this.perWallet.set(walletId, entry);
    let from = this.rescans.get(walletId);
    // A rescan starts from a pass that has taken in any reorg, so no stale block survives it.
    // (A wallet with no pass yet in this process reads the stored rescan point: that pass is the rescan.)
    // The request stays queued until the point is reset, so a failed pass still leaves it to the next one.
    if (from !== undefined && this.follower!.knows(walletId)) {
      await this.walletEvents.afterPass(walletId, await this.scanPass(wallet, entry, null), tipMoved);
      from = Math.min(from, this.rescans.get(walletId) ?? from);
      await this.resetSyncPoint(walletId, from);
      this.follower!.forget(walletId);
      Object.assign(entry, { syncHeight: from > 0 ? from - 1 : null, progress: 0 });
    }
    if (from !== undefined && (this.rescans.get(walletId) ?? from) >= from) this.rescans.delete(walletId);
    const current = from === undefined ? wallet : ((await this.deps.store.getWallet(walletId)) ?? wallet);
    const outcome = await this.scanPass(current, entry, from ?? null);
    if (outcome.fork) this.deps.log.info({ wallet: walletId, fork: outcome.fork.height, forkHash: outcome.fork.hash, tip: outcome.tip.height }, 'reorg followed: blocks above the fork disconnected');
    Object.assign(entry, { syncHeight: outcome.tip.height, progress: 1, syncing: this.rescans.has(walletId) });
    await this.walletEvents.afterPass(walletId, outcome, tipMoved);
  }

  /** One follower pass, reporting the scan's height, rate and ETA as it goes. */
  private async scanPass(wallet: WalletRecord, entry: { progress: number }, from: number | null): Promise<PassOutcome> {
    this.progress.begin(wallet.id, from);
    let lastLogged = 0;
    try {
      return await this.follower!.pass(wallet, (height, tipHeight) => {
        this.progress.update(wallet.id, height, tipHeight);
        entry.progress = this.progress.fraction(wallet.id) ?? entry.progress;
        if (height - lastLogged >= 1000) {
          lastLogged = height;
          this.deps.log.info({ wallet: wallet.id, height, tip: tipHeight }, 'sync progress');
        }
      });
    } finally {
      this.progress.end(wallet.id);
    }
  }
}
