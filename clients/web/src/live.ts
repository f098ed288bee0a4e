/**
 * The live feed of one wallet over the WebSocket (README "Notifications"): subscribe with
 * `sinceSeq` so a reconnect or a reload misses nothing, reconnect with backoff when the
 * connection drops (and say so), and unsubscribe and close when the view goes away.
 *
 * Only the last `seq` survives a reload, in sessionStorage: it is a counter, not a secret, and
 * the token (which is) is never stored. sessionStorage is per tab and gone when the tab closes.
 */
import { isWalletdConnectionClosedError, isWalletdRpcError, type Subscription, type WalletdClient, type WalletEvent } from '@walletd/client';
import { describeError } from './errors.ts';
import type { Session } from './session.ts';

/** The feed's connection state, shown in the header. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'closed';

/** What the feed reports to its view. */
export interface LiveHandlers {
  onEvent(e: WalletEvent): void;
  onState(state: LiveState, detail: string): void;
}

/** The event types the UI shows; `block` is left out (it carries no wallet). */
const EVENTS = ['tx', 'confirmation', 'balance'] as const;
const MAX_BACKOFF_MS = 10_000;
let activeFeeds = 0;

function seqKey(session: Session, wallet: string): string {
  return `walletd-ui:lastSeq:${session.daemonUrl}:${wallet}`;
}

/** The last seq this tab handled for the wallet, or null. */
export function storedSeq(session: Session, wallet: string): number | null {
  const text = sessionStorage.getItem(seqKey(session, wallet));
  return text !== null && /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : null;
}

function markActive(delta: number): void {
  activeFeeds += delta;
  // Lets a test (or a developer in devtools) see that a closed view left no listener behind.
  document.documentElement.dataset.liveFeeds = String(activeFeeds);
}

/** A running feed; `stop()` unsubscribes, closes the socket and ends the reconnect loop. */
export class LiveFeed {
  private stopped = false;
  private client: WalletdClient | null = null;
  private sub: Subscription | null = null;
  private wake: (() => void) | null = null;
  private lastSeq: number | null;

  constructor(
    private readonly session: Session,
    private readonly wallet: string,
    private readonly handlers: LiveHandlers,
  ) {
    this.lastSeq = storedSeq(session, wallet);
    markActive(1);
    void this.run();
  }

  private remember(seq: number): void {
    this.lastSeq = seq;
    sessionStorage.setItem(seqKey(this.session, this.wallet), String(seq));
  }

  private async subscribeOnce(client: WalletdClient): Promise<{ sub: Subscription; replayFrom: number | null }> {
    const replayFrom = this.lastSeq;
    const base = { wallet: this.wallet, events: [...EVENTS] };
    if (replayFrom === null) return { sub: await client.subscribe(base), replayFrom };
    try {
      return { sub: await client.subscribe({ ...base, sinceSeq: replayFrom }), replayFrom };
    } catch (err) {
      // More than 10,000 missed events: start again from the snapshot (the views re-read state).
      if (!isWalletdRpcError(err, 'INVALID_PARAMS') || err.data.field !== 'sinceSeq') throw err;
      return { sub: await client.subscribe(base), replayFrom: null };
    }
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let reason = '';
    while (!this.stopped) {
      this.handlers.onState(attempt === 0 ? 'connecting' : 'reconnecting', attempt === 0 ? 'connecting…' : `reconnecting (attempt ${attempt})…`);
      const client = this.session.openWs();
      this.client = client;
      try {
        const { sub, replayFrom } = await this.subscribeOnce(client);
        this.sub = sub;
        if (this.stopped) break;
        if (replayFrom === null) this.remember(sub.snapshot.seq);
        this.handlers.onState('live', replayFrom === null ? `live from seq ${sub.snapshot.seq}` : `live, replayed since seq ${replayFrom}`);
        attempt = 0;
        for await (const e of sub) {
          this.remember(e.seq);
          this.handlers.onEvent(e);
        }
        reason = 'connection lost';
      } catch (err) {
        // A revoked or expired token (close 4401, or UNAUTHORIZED) will not work on any retry.
        if (isWalletdConnectionClosedError(err) || isWalletdRpcError(err, 'UNAUTHORIZED')) {
          await this.stop();
          this.handlers.onState('closed', `the token no longer works (${describeError(err).text}); paste a new one`);
          return;
        }
        reason = `connection failed (${describeError(err).text})`;
      }
      this.sub = null;
      await client.close().catch(() => undefined);
      if (this.stopped) break;
      attempt++;
      const wait = Math.min(250 * 2 ** attempt, MAX_BACKOFF_MS);
      this.handlers.onState('reconnecting', `${reason}; reconnecting in ${Math.round(wait / 1000)} s (attempt ${attempt})…`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Unsubscribes and closes: the listener goes with the view. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    const sub = this.sub;
    const client = this.client;
    this.sub = null;
    this.client = null;
    await sub?.close().catch(() => undefined);
    await client?.close().catch(() => undefined);
    markActive(-1);
    this.handlers.onState('closed', 'not connected');
  }
}
