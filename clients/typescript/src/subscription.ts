/**
 * Subscriptions over the WebSocket (SPEC §8) that never drop an event. The daemon may send a
 * subscription's first events right behind the `subscribe` reply, before the caller has had a
 * chance to attach a listener: the client routes every `event` notification by subscription id,
 * holds those that arrive while a `subscribe` call is in flight, and each subscription queues
 * events until its first listener (or iterator) takes them, in `seq` order.
 */
import type { RpcNotification } from './transports.js';
import type { MethodMap } from './generated/methods.js';

/** One event notification (`method: "event"`) as the daemon sends it. */
export interface WalletEvent {
  seq: number;
  type: 'tx' | 'confirmation' | 'balance' | 'block';
  /** The wallet id; null for `block` events. */
  wallet: string | null;
  /** Unix ms. */
  at: number;
  data: Record<string, unknown>;
  subscription: string;
}

/** A live subscription: listen with `on('event', fn)` or `for await (const e of sub)`; `close()` ends it. */
export interface Subscription extends AsyncIterable<WalletEvent> {
  /** The subscription id the daemon assigned. */
  readonly id: string;
  /** The high-water mark and state when the subscription started (see README "Notifications"). */
  readonly snapshot: MethodMap['subscribe']['result']['snapshot'];
  /** Adds a listener; events queued before the first listener are delivered to it first, in order. */
  on(event: 'event', listener: (e: WalletEvent) => void): this;
  /** Removes a listener. */
  off(event: 'event', listener: (e: WalletEvent) => void): this;
  /** Unsubscribes (when the connection is still open) and ends every iterator. */
  close(): Promise<void>;
}

function isEvent(n: RpcNotification): n is { method: 'event'; params: WalletEvent } {
  const p = n.params as Partial<WalletEvent> | undefined;
  return n.method === 'event' && typeof p === 'object' && p !== null && typeof p.subscription === 'string';
}

class LiveSubscription implements Subscription {
  private readonly listeners = new Set<(e: WalletEvent) => void>();
  private readonly queue: WalletEvent[] = [];
  private readonly enders = new Set<() => void>();
  private closed = false;
  private failure: Error | null = null;

  constructor(
    readonly id: string,
    readonly snapshot: MethodMap['subscribe']['result']['snapshot'],
    private readonly unsubscribe: (id: string) => Promise<void>,
  ) {}

  push(e: WalletEvent): void {
    if (this.closed) return;
    this.queue.push(e);
    this.flush();
  }

  private flush(): void {
    while (this.queue.length > 0 && this.listeners.size > 0) {
      const e = this.queue.shift()!;
      for (const l of [...this.listeners]) l(e);
    }
  }

  on(_event: 'event', listener: (e: WalletEvent) => void): this {
    this.listeners.add(listener);
    this.flush();
    return this;
  }

  off(_event: 'event', listener: (e: WalletEvent) => void): this {
    this.listeners.delete(listener);
    return this;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.end();
    await this.unsubscribe(this.id);
  }

  /**
   * Ends the subscription locally (its connection is gone): listeners go, iterators finish, or
   * reject with `err` once drained when the daemon refused the token (a UI must not show "live").
   */
  end(err?: Error): void {
    this.closed = true;
    this.failure = err ?? null;
    this.listeners.clear();
    this.queue.length = 0;
    for (const end of [...this.enders]) end();
  }

  [Symbol.asyncIterator](): AsyncIterator<WalletEvent> {
    const buffered: WalletEvent[] = [];
    let wake: (() => void) | null = null;
    let done = this.closed;
    const listener = (e: WalletEvent) => {
      buffered.push(e);
      wake?.();
    };
    const end = () => {
      done = true;
      wake?.();
    };
    this.enders.add(end);
    this.on('event', listener);
    const stop = () => {
      this.off('event', listener);
      this.enders.delete(end);
    };
    return {
      next: async () => {
        while (buffered.length === 0 && !done) await new Promise<void>((r) => (wake = r));
        wake = null;
        if (buffered.length > 0) return { value: buffered.shift()!, done: false };
        stop();
        if (this.failure) throw this.failure;
        return { value: undefined, done: true };
      },
      return: async () => {
        stop();
        return { value: undefined, done: true };
      },
    };
  }
}

/** Routes `event` notifications to subscriptions; one per client. */
export class SubscriptionRouter {
  private readonly live = new Map<string, LiveSubscription>();
  private readonly held: WalletEvent[] = [];
  private inFlight = 0;

  /** Takes a notification; true when it belonged to a subscription. */
  route(n: RpcNotification): boolean {
    if (!isEvent(n)) return false;
    const sub = this.live.get(n.params.subscription);
    if (sub) sub.push(n.params);
    // A reply and its first events can be read in one go: hold them until the reply is handled.
    else if (this.inFlight > 0) this.held.push(n.params);
    return true;
  }

  /** Ends every subscription: the connection closed, and they died with it (SPEC §8). */
  endAll(err?: Error): void {
    for (const sub of this.live.values()) sub.end(err);
    this.live.clear();
  }

  /** Runs one `subscribe` call and wraps its result, with the events that raced it. */
  async subscribe(
    call: () => Promise<MethodMap['subscribe']['result']>,
    unsubscribe: (id: string) => Promise<void>,
  ): Promise<Subscription> {
    this.inFlight++;
    try {
      const result = await call();
      const sub = new LiveSubscription(result.subscription, result.snapshot, async (id) => {
        this.live.delete(id);
        await unsubscribe(id);
      });
      this.live.set(sub.id, sub);
      for (let i = 0; i < this.held.length; ) {
        if (this.held[i]!.subscription === sub.id) sub.push(this.held.splice(i, 1)[0]!);
        else i++;
      }
      return sub;
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.held.length = 0;
    }
  }
}
