/**
 * The notifier on its own (SPEC §8): store-then-deliver order, per-token wallet filtering, the
 * snapshot taken under the delivery order, exactly-once replay with `sinceSeq`, and no leaked
 * subscriptions after connections close.
 */
import { describe, expect, it } from 'vitest';
import { Notifier, type NotifySession, type PublishedEvent } from '../../src/notify/notifier.ts';
import type { EventNotification } from '../../src/notify/subscription.ts';
import { MemoryEventStore } from './memory-event-store.ts';

/** A fake WebSocket session that records its `event` notifications. */
function session(id: string): NotifySession & { got: EventNotification[]; close(): void } {
  const got: EventNotification[] = [];
  const s = {
    id,
    got,
    notify: (method: string, params: unknown) => {
      expect(method).toBe('event');
      got.push(params as EventNotification);
    },
    close: () => {
      s.notify = undefined as unknown as typeof s.notify;
    },
  };
  return s as NotifySession & { got: EventNotification[]; close(): void };
}

const tx = (walletId: string, txid: string): PublishedEvent => ({ type: 'tx', walletId, data: { txid } });
const block = (height: number): PublishedEvent => ({ type: 'block', walletId: null, data: { height } });
const state = async () => ({ tipHeight: 100 });
/** Lets the setImmediate release of a new subscription run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

function setup(latest = 0) {
  // As after a restart: the store already holds `latest` events.
  const store = new MemoryEventStore(latest + 1);
  let now = 1_000;
  const notifier = new Notifier({ store, clock: { now: () => now++ }, latestSeq: async () => latest });
  return { store, notifier };
}

describe('Notifier', () => {
  it('stores each event before delivering it, in publish order, with increasing seq', async () => {
    const { store, notifier } = setup();
    const s = session('s1');
    await notifier.subscribe({ tokenId: 't1', session: s, events: ['tx', 'block'], readState: state });
    await settle();
    notifier.publish(block(101));
    notifier.publish(tx('a', 't1'));
    notifier.publish(tx('a', 't2'));
    await notifier.idle();
    expect(store.rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(s.got.map((g) => [g.seq, g.type, g.wallet])).toEqual([[1, 'block', null], [2, 'tx', 'a'], [3, 'tx', 'a']]);
    expect(s.got[1]).toMatchObject({ data: { txid: 't1' }, at: expect.any(Number), subscription: expect.any(String) });
  });

  it('gives a token only the wallets it may read, plus block events; honours wallet and type filters', async () => {
    const { notifier } = setup();
    const bound = session('bound');
    const all = session('all');
    const onlyB = session('onlyB');
    await notifier.subscribe({ tokenId: 't1', session: bound, tokenWallets: ['a'], events: ['tx', 'block'], readState: state });
    await notifier.subscribe({ tokenId: 't1', session: all, events: ['tx'], readState: state });
    await notifier.subscribe({ tokenId: 't1', session: onlyB, wallet: 'b', events: ['tx', 'balance', 'block'], readState: state });
    await settle();
    notifier.publish(tx('a', 'ta'));
    notifier.publish(tx('b', 'tb'));
    notifier.publish(block(7));
    notifier.publish({ type: 'balance', walletId: 'b', data: { total: 1 } });
    await notifier.idle();
    expect(bound.got.map((g) => g.data.txid ?? g.type)).toEqual(['ta', 'block']);
    expect(all.got.map((g) => g.data.txid)).toEqual(['ta', 'tb']);
    expect(onlyB.got.map((g) => g.data.txid ?? g.type)).toEqual(['tb', 'block', 'balance']);
  });

  it('snapshots the high-water mark; an event racing the snapshot read arrives exactly once, after it', async () => {
    const { notifier } = setup(41);
    notifier.publish(tx('a', 'before'));
    await notifier.idle();
    const s = session('s');
    const result = await notifier.subscribe({ tokenId: 't1',
      session: s,
      events: ['tx'],
      readState: async () => {
        // Published and fanned out while the balance is being read.
        notifier.publish(tx('a', 'during'));
        await notifier.idle();
        return { tipHeight: 5, balance: { confirmed: 1, immature: 0, trustedPending: 0, untrustedPending: 0, unconfirmed: 0, spendable: 1, total: 1 } };
      },
    });
    expect(result.snapshot).toEqual({ seq: 42, tipHeight: 5, balance: { confirmed: 1, immature: 0, trustedPending: 0, untrustedPending: 0, unconfirmed: 0, spendable: 1, total: 1 } });
    // Held back until the response has gone out.
    expect(s.got).toEqual([]);
    await settle();
    expect(s.got.map((g) => [g.seq, g.data.txid])).toEqual([[43, 'during']]);
  });

  it('replays stored events after sinceSeq, filtered, then live ones, each seq exactly once', async () => {
    const { store, notifier } = setup();
    for (let i = 1; i <= 6; i++) notifier.publish(tx(i % 2 ? 'a' : 'b', `t${i}`));
    await notifier.idle();
    // Hold the replay read so live events land in the buffer while the replay is being read.
    let open!: () => void;
    store.readGate = new Promise((r) => (open = r));
    const s = session('s');
    const pending = notifier.subscribe({ tokenId: 't1', session: s, tokenWallets: ['a'], events: ['tx'], sinceSeq: 1, readState: state });
    await new Promise((r) => setTimeout(r, 5));
    notifier.publish(tx('a', 't7'));
    notifier.publish(tx('b', 't8'));
    notifier.publish(tx('a', 't9'));
    await notifier.idle();
    open();
    const result = await pending;
    expect(result.snapshot.seq).toBe(6);
    await settle();
    notifier.publish(tx('a', 't10'));
    await notifier.idle();
    const seqs = s.got.map((g) => g.seq);
    expect(s.got.map((g) => g.data.txid)).toEqual(['t3', 't5', 't7', 't9', 't10']);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
  });

  it('refuses a sinceSeq this daemon never issued instead of silently skipping events up to it', async () => {
    const { notifier } = setup(5);
    const s = session('s');
    const err = await notifier.subscribe({ tokenId: 't1', session: s, events: ['tx'], sinceSeq: 50, readState: state }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_PARAMS', details: { field: 'sinceSeq' } });
    expect(notifier.counts()).toEqual({ subscriptions: 0, sessions: 0 });
    // The current high-water mark itself is fine: nothing to replay, everything after it is live.
    await notifier.subscribe({ tokenId: 't1', session: s, events: ['tx'], sinceSeq: 5, readState: state });
    await settle();
    notifier.publish(tx('a', 'after'));
    await notifier.idle();
    expect(s.got.map((g) => [g.seq, g.data.txid])).toEqual([[6, 'after']]);
  });

  it('unsubscribes only within the owning session', async () => {
    const { notifier } = setup();
    const s = session('s');
    const { subscription } = await notifier.subscribe({ tokenId: 't1', session: s, events: ['tx'], readState: state });
    expect(notifier.unsubscribe('other', subscription)).toBe(false);
    expect(notifier.unsubscribe('s', subscription)).toBe(true);
    notifier.publish(tx('a', 'x'));
    await notifier.idle();
    await settle();
    expect(s.got).toEqual([]);
    expect(notifier.counts()).toEqual({ subscriptions: 0, sessions: 0 });
  });

  it('ends the subscriptions of a revoked token, and only those', async () => {
    const { notifier } = setup();
    const revoked = session('r');
    const kept = session('k');
    await notifier.subscribe({ tokenId: 'gone', session: revoked, events: ['tx'], readState: state });
    await notifier.subscribe({ tokenId: 'stays', session: kept, events: ['tx'], readState: state });
    await settle();
    notifier.dropToken('gone');
    notifier.publish(tx('a', 'x'));
    await notifier.idle();
    await settle();
    expect(revoked.got).toEqual([]);
    expect(kept.got.map((g) => g.data)).toEqual([{ txid: 'x' }]);
    expect(notifier.counts()).toEqual({ subscriptions: 1, sessions: 1 });
  });

  it('ends a subscription once its token has expired', async () => {
    const { notifier } = setup();
    const s = session('e');
    // The fake clock starts at 1000 and ticks once per read; the token expires at 1010.
    await notifier.subscribe({ tokenId: 'short', tokenExpiresAt: 1_010, session: s, events: ['tx'], readState: state });
    await settle();
    notifier.publish(tx('a', 'before'));
    await notifier.idle();
    for (let i = 0; i < 20; i++) notifier.publish(tx('a', `after-${i}`));
    await notifier.idle();
    await settle();
    expect(s.got.map((g) => g.data.txid)).toContain('before');
    expect(s.got.length).toBeLessThan(21);
    expect(notifier.counts().subscriptions).toBe(0);
  });

  it('leaks no subscription after many connect/subscribe/close cycles, including a close mid-subscribe', async () => {
    const { notifier } = setup();
    const before = notifier.counts();
    for (let i = 0; i < 200; i++) {
      const s = session(`c${i}`);
      await notifier.subscribe({ tokenId: 't1', session: s, events: ['tx', 'block'], readState: state });
      await notifier.subscribe({ tokenId: 't1', session: s, wallet: 'a', events: ['balance'], readState: state });
      s.close();
      notifier.endSession(s.id);
    }
    // The socket closes (and endSession runs) while subscribe is still reading its snapshot.
    const late = session('late');
    await notifier.subscribe({ tokenId: 't1',
      session: late,
      events: ['tx'],
      readState: async () => {
        late.close();
        notifier.endSession(late.id);
        return { tipHeight: 1 };
      },
    });
    expect(before).toEqual({ subscriptions: 0, sessions: 0 });
    expect(notifier.counts()).toEqual(before);
  });
});
