/**
 * One live subscription of a WebSocket session (SPEC §8): which events it may and wants to see,
 * and its delivery state. A new subscription buffers live events until its snapshot and replay
 * are ready, then delivers replay, buffer and live events in seq order, each seq at most once.
 */
import type { WalletEvent } from '../rpc/ports.ts';

/** The event types a client can subscribe to. */
export const EVENT_TYPES = ['tx', 'confirmation', 'balance', 'block'] as const;

/** One of `EVENT_TYPES`. */
export type EventType = (typeof EVENT_TYPES)[number];

/** The JSON-RPC notification method name every event is pushed under. */
export const EVENT_NOTIFICATION = 'event';

/** The params of one `event` notification on the wire. */
export interface EventNotification {
  seq: number;
  type: EventType;
  /** Null for `block` events. */
  wallet: string | null;
  /** Unix ms. */
  at: number;
  data: Record<string, unknown>;
  subscription: string;
}

/** Who may see what: the caller's wallet binding, the requested wallet and event types. */
export interface SubscriptionFilter {
  /** The token's `constraints.wallets`; undefined means every wallet. */
  tokenWallets?: readonly string[];
  /** Only this wallet's events (block events still pass). */
  wallet?: string;
  events: readonly EventType[];
}

/** True when `event` may and should reach a subscriber with this filter. */
export function eventMatches(filter: SubscriptionFilter, event: WalletEvent): boolean {
  if (!filter.events.includes(event.type)) return false;
  // Block events concern every wallet and reveal nothing wallet-specific.
  if (event.walletId === null) return true;
  if (filter.tokenWallets && !filter.tokenWallets.includes(event.walletId)) return false;
  return filter.wallet === undefined || filter.wallet === event.walletId;
}

/** A subscription's delivery state machine: buffering until `release`, then live. */
export class Subscription {
  private buffer: WalletEvent[] | null = [];
  /** Highest seq delivered (or declared already seen by the client): never deliver at or below it. */
  private lastSent: number;
  private closed = false;

  constructor(
    readonly id: string,
    readonly sessionId: string,
    readonly filter: SubscriptionFilter,
    private readonly send: (params: EventNotification) => void,
    sinceSeq = 0,
  ) {
    this.lastSent = sinceSeq;
  }

  /** True while events are held back for the snapshot and replay. */
  get buffering(): boolean {
    return this.buffer !== null;
  }

  /** Takes a live event: buffered before `release`, delivered after. */
  offer(event: WalletEvent): void {
    if (this.closed || !eventMatches(this.filter, event)) return;
    if (this.buffer) this.buffer.push(event);
    else this.deliver(event);
  }

  /** Delivers the replay, then whatever was buffered meanwhile, and goes live. */
  release(replay: readonly WalletEvent[]): void {
    if (this.closed || !this.buffer) return;
    const buffered = this.buffer;
    this.buffer = null;
    for (const event of replay) if (eventMatches(this.filter, event)) this.deliver(event);
    for (const event of buffered) this.deliver(event);
  }

  /** Stops all delivery; idempotent. */
  close(): void {
    this.closed = true;
    this.buffer = null;
  }

  private deliver(event: WalletEvent): void {
    // Exactly once, in order: replay and buffer may overlap, and seq only increases.
    if (this.closed || event.seq <= this.lastSent) return;
    this.lastSent = event.seq;
    this.send({
      seq: event.seq,
      type: event.type,
      wallet: event.walletId,
      at: event.at,
      data: event.data,
      subscription: this.id,
    });
  }
}
