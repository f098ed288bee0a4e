/**
 * The notification hub (SPEC §8): receives wallet events from the sync runner, persists each in
 * the keystore (which assigns `seq`, so replay survives restarts), then fans it out to live
 * WebSocket subscriptions and to webhooks. Events are stored and delivered strictly in the order
 * they were published, one at a time.
 */
import { randomUUID } from 'node:crypto';
import { fail } from '../errors.ts';
import type { EventStore, WalletEvent } from '../rpc/ports.ts';
import type { Balance } from '../wallet/wallet-api.ts';
import { EVENT_NOTIFICATION, Subscription, eventMatches, type EventType, type SubscriptionFilter } from './subscription.ts';

/** An event as the sync runner emits it, before it has a `seq` and a time. */
export interface PublishedEvent {
  type: EventType;
  walletId: string | null;
  data: Record<string, unknown>;
}

/** The part of a pino logger the notifier uses. */
export interface NotifierLog {
  error(obj: Record<string, unknown>, msg: string): void;
}

/** What the notifier needs; the daemon passes the keystore's event store. */
export interface NotifierDeps {
  store: EventStore;
  clock: { now(): number };
  log?: NotifierLog;
  /** Highest seq already in the store, so a snapshot after a restart is not 0. */
  latestSeq?: () => Promise<number>;
  /** Called with each stored event, after the live fan-out (webhooks). */
  onStored?: (event: WalletEvent) => void;
  /** Called once per token whose subscriptions expired at this event (the daemon closes its sockets). */
  onTokenExpired?: (tokenId: string) => void;
}

/** The connection a subscription belongs to (a `Session` satisfies it). */
export interface NotifySession {
  id: string;
  /** Undefined once the connection has closed. */
  notify?: (method: string, params: unknown) => void;
}

/** What `subscribe` asks for, already authorized by the RPC layer. */
export interface SubscribeRequest {
  session: NotifySession;
  /** The subscribing token's id, so revoking the token ends its subscriptions. */
  tokenId: string;
  /** The token's expiry (unix ms): its subscriptions end then, as its calls would. */
  tokenExpiresAt?: number;
  /** The token's `constraints.wallets`; undefined when it may read every wallet. */
  tokenWallets?: readonly string[];
  wallet?: string;
  events: readonly EventType[];
  /** Replay stored events with a greater seq before any live one. */
  sinceSeq?: number;
  /** Reads the current tip (and balance) once the live listener is in place. */
  readState: () => Promise<{ tipHeight: number | null; balance?: Balance }>;
}

/** `subscribe`'s result: the id, and the state the following events apply to. */
export interface SubscribeResult {
  subscription: string;
  snapshot: { seq: number; tipHeight: number | null; balance?: Balance };
}

/** Events read per query during a replay. */
const REPLAY_PAGE = 500;
/** Most events one replay may carry; an older `sinceSeq` should resync from the snapshot instead. */
export const MAX_REPLAY = 10_000;

/** Persists wallet events and fans them out to subscriptions; one per daemon. */
export class Notifier {
  private lastSeq = 0;
  private tail: Promise<void>;
  private readonly ready: Promise<void>;
  private readonly subs = new Map<string, Subscription>();
  private readonly bySession = new Map<string, Set<string>>();
  private readonly tokenOf = new Map<string, string>();
  private readonly expiresAt = new Map<string, number>();

  constructor(private readonly deps: NotifierDeps) {
    this.ready = (deps.latestSeq?.() ?? Promise.resolve(0)).then(
      (seq) => {
        this.lastSeq = Math.max(this.lastSeq, seq);
      },
      (err: unknown) => this.logError(err, 'could not read the latest event seq'),
    );
    this.tail = this.ready;
  }

  /** Queues an event: it is stored, then delivered, after every event published before it. */
  publish(event: PublishedEvent): void {
    const at = this.deps.clock.now();
    this.tail = this.tail
      .then(async () => {
        const stored = await this.deps.store.appendEvent({ ...event, at });
        this.lastSeq = Math.max(this.lastSeq, stored.seq);
        // Synchronous from here on, so a subscribe sees either all or none of this event's fan-out.
        const expired = new Set<string>();
        for (const [id, until] of [...this.expiresAt]) {
          if (stored.at < until) continue;
          expired.add(this.tokenOf.get(id)!);
          this.remove(id);
        }
        for (const tokenId of expired) {
          try {
            this.deps.onTokenExpired?.(tokenId);
          } catch (err) {
            this.logError(err, 'could not close an expired token\'s sessions');
          }
        }
        for (const sub of this.subs.values()) {
          try {
            sub.offer(stored);
          } catch (err) {
            this.logError(err, 'could not deliver an event');
          }
        }
        this.deps.onStored?.(stored);
      })
      .catch((err: unknown) => this.logError(err, 'could not store a wallet event'));
  }

  /** Resolves once every event published so far has been stored and delivered. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.tail;
      await seen;
    } while (seen !== this.tail);
  }

  /**
   * Registers the live listener first (buffering), then reads the snapshot and the replay, and
   * releases replay + buffer once the response is on its way, so no event is lost or repeated.
   */
  async subscribe(req: SubscribeRequest): Promise<SubscribeResult> {
    await this.ready;
    const { session } = req;
    if (!session.notify) fail('INVALID_PARAMS', 'The connection is closed', { field: 'session' });
    const filter: SubscriptionFilter = { tokenWallets: req.tokenWallets, wallet: req.wallet, events: [...new Set(req.events)] };
    // Every event with seq <= highWater has been fanned out already; every later one reaches `sub`.
    const highWater = this.lastSeq;
    if (req.sinceSeq !== undefined && req.sinceSeq > highWater) {
      // A seq this daemon never issued (another data dir, a restored keystore): honouring it
      // would silently skip every event up to it. The client must resync from the snapshot.
      fail('INVALID_PARAMS', `sinceSeq is ahead of this daemon's last event (${highWater}); subscribe without it`, { field: 'sinceSeq' });
    }
    const id = randomUUID();
    const sub = new Subscription(
      id,
      session.id,
      filter,
      (params) => session.notify?.(EVENT_NOTIFICATION, params),
      req.sinceSeq ?? highWater,
    );
    this.add(sub);
    this.tokenOf.set(id, req.tokenId);
    if (req.tokenExpiresAt !== undefined) this.expiresAt.set(id, req.tokenExpiresAt);
    try {
      const state = await req.readState();
      const replay = req.sinceSeq === undefined ? [] : await this.replay(filter, req.sinceSeq, highWater);
      if (!session.notify) {
        // Closed while we read: endSession may have run before add, so clean up here.
        this.remove(id);
      } else {
        // After the current microtasks, i.e. after the transport has sent the subscribe response.
        setImmediate(() => sub.release(replay));
      }
      const snapshot: SubscribeResult['snapshot'] = { seq: highWater, tipHeight: state.tipHeight };
      if (state.balance) snapshot.balance = state.balance;
      return { subscription: id, snapshot };
    } catch (err) {
      this.remove(id);
      throw err;
    }
  }

  /** Removes one subscription of this session; false when it has none with that id. */
  unsubscribe(sessionId: string, subscriptionId: string): boolean {
    const sub = this.subs.get(subscriptionId);
    if (!sub || sub.sessionId !== sessionId) return false;
    this.remove(subscriptionId);
    return true;
  }

  /** Drops every subscription of a connection that closed. */
  endSession(sessionId: string): void {
    for (const id of [...(this.bySession.get(sessionId) ?? [])]) this.remove(id);
  }

  /** Drops every subscription made with a token that was just revoked. */
  dropToken(tokenId: string): void {
    for (const [id, owner] of [...this.tokenOf]) if (owner === tokenId) this.remove(id);
  }

  /** Live subscriptions of one connection and of one token, for the caps of SPEC §10. */
  countsFor(sessionId: string, tokenId: string): { session: number; token: number } {
    let token = 0;
    for (const owner of this.tokenOf.values()) if (owner === tokenId) token++;
    return { session: this.bySession.get(sessionId)?.size ?? 0, token };
  }

  /** Live subscriptions and sessions holding any, for leak checks and metrics. */
  counts(): { subscriptions: number; sessions: number } {
    return { subscriptions: this.subs.size, sessions: this.bySession.size };
  }

  /** The highest seq stored so far. */
  highWater(): number {
    return this.lastSeq;
  }

  private add(sub: Subscription): void {
    this.subs.set(sub.id, sub);
    const ids = this.bySession.get(sub.sessionId) ?? new Set<string>();
    ids.add(sub.id);
    this.bySession.set(sub.sessionId, ids);
  }

  private remove(id: string): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    sub.close();
    this.subs.delete(id);
    this.tokenOf.delete(id);
    this.expiresAt.delete(id);
    const ids = this.bySession.get(sub.sessionId);
    ids?.delete(id);
    if (ids?.size === 0) this.bySession.delete(sub.sessionId);
  }

  /** Stored events in (sinceSeq, upTo] that pass `filter`, oldest first. */
  private async replay(filter: SubscriptionFilter, sinceSeq: number, upTo: number): Promise<WalletEvent[]> {
    const out: WalletEvent[] = [];
    let cursor = sinceSeq;
    while (cursor < upTo) {
      const page = await this.deps.store.listEventsSince(cursor, REPLAY_PAGE);
      if (page.length === 0) break;
      for (const event of page) {
        if (event.seq > upTo) return out;
        if (eventMatches(filter, event)) out.push(event);
      }
      if (out.length > MAX_REPLAY) {
        fail('INVALID_PARAMS', `More than ${MAX_REPLAY} events since sinceSeq; subscribe without it`, { field: 'sinceSeq' });
      }
      cursor = page[page.length - 1]!.seq;
    }
    return out;
  }

  private logError(err: unknown, msg: string): void {
    this.deps.log?.error({ err: err instanceof Error ? err.message : String(err) }, msg);
  }
}
