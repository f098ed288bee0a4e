import { describe, expect, it } from 'vitest';
import { isWalletdError } from '../../src/errors.ts';
import type { Clock } from '../../src/wallet/ports.ts';
import { UnlockManager } from '../../src/wallet/secrets/unlock-manager.ts';

/** A manual clock: time moves only when the test advances it, firing due timers in order. */
class FakeClock implements Clock {
  private t = 1_700_000_000_000;
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = due.at;
      due.live = false;
      due.fn();
    }
    this.t = end;
  }

  /** Moves time without firing timers, as when a timer is late. */
  jump(ms: number): void {
    this.t += ms;
  }

  liveTimers(): number {
    return this.timers.filter((x) => x.live).length;
  }
}

const seedOf = (byte: number) => new Uint8Array(64).fill(byte);

function retryAfter(m: UnlockManager, walletId: string): number | null {
  try {
    m.assertCanAttempt(walletId);
    return null;
  } catch (err) {
    if (!isWalletdError(err, 'RATE_LIMITED')) throw err;
    return err.details?.retryAfterMs as number;
  }
}

describe('UnlockManager', () => {
  it('locks at the timeout and zeroes the seed buffer', () => {
    const clock = new FakeClock();
    const m = new UnlockManager(clock);
    const seed = seedOf(7);
    m.unlock('w1', seed, 60);
    expect(m.getSeed('w1')).toBe(seed);
    expect(m.unlockedUntil('w1')).toBe(clock.now() + 60_000);
    expect(m.unlockedCount()).toBe(1);
    clock.advance(59_999);
    expect(m.getSeed('w1')).not.toBeNull();
    clock.advance(1);
    expect(m.getSeed('w1')).toBeNull();
    expect(m.unlockedUntil('w1')).toBeNull();
    expect(seed.every((b) => b === 0)).toBe(true);
    expect(m.unlockedCount()).toBe(0);
  });

  it('checks the clock even when the timer has not fired', () => {
    const clock = new FakeClock();
    const m = new UnlockManager(clock);
    const seed = seedOf(9);
    m.unlock('w1', seed, 10);
    clock.jump(10_000);
    expect(m.getSeed('w1')).toBeNull();
    expect(seed.every((b) => b === 0)).toBe(true);
  });

  it('a second unlock replaces and zeroes the first seed and timer', () => {
    const clock = new FakeClock();
    const m = new UnlockManager(clock);
    const first = seedOf(1);
    const second = seedOf(2);
    m.unlock('w1', first, 10);
    m.unlock('w1', second, 100);
    expect(first.every((b) => b === 0)).toBe(true);
    expect(clock.liveTimers()).toBe(1);
    clock.advance(50_000);
    expect(m.getSeed('w1')).toBe(second);
    expect(second[0]).toBe(2);
  });

  it('lock and lockAll zero seeds and cancel timers', () => {
    const clock = new FakeClock();
    const m = new UnlockManager(clock);
    const a = seedOf(3);
    const b = seedOf(4);
    const c = seedOf(5);
    m.unlock('a', a, 60);
    m.unlock('b', b, 60);
    m.unlock('c', c, 60);
    m.lock('a');
    expect(a.every((x) => x === 0)).toBe(true);
    expect(m.getSeed('b')).toBe(b);
    m.lockAll();
    expect([b, c].every((s) => s.every((x) => x === 0))).toBe(true);
    expect(clock.liveTimers()).toBe(0);
    expect(m.unlockedCount()).toBe(0);
  });

  it('clamps the timeout to maxTimeoutSec and rejects non-positive timeouts', () => {
    const clock = new FakeClock();
    const m = new UnlockManager(clock, { maxTimeoutSec: 30 });
    m.unlock('w1', seedOf(1), 3600);
    expect(m.unlockedUntil('w1')).toBe(clock.now() + 30_000);
    let code: string | undefined;
    try {
      m.unlock('w2', seedOf(1), 0);
    } catch (err) {
      code = isWalletdError(err) ? err.code : 'other';
    }
    expect(code).toBe('INVALID_PARAMS');
  });

  it('backs off after failures, doubling up to the cap, and resets on success', () => {
    const clock = new FakeClock();
    const m = new UnlockManager(clock, { backoffBaseMs: 1000, backoffMaxMs: 5000 });
    expect(retryAfter(m, 'w1')).toBeNull();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      m.recordFailure('w1');
      delays.push(retryAfter(m, 'w1')!);
      clock.advance(delays[i]!);
      expect(retryAfter(m, 'w1')).toBeNull();
    }
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(retryAfter(m, 'w2')).toBeNull();
    m.recordFailure('w1');
    expect(retryAfter(m, 'w1')).toBe(5000);
    m.recordSuccess('w1');
    expect(retryAfter(m, 'w1')).toBeNull();
    m.recordFailure('w1');
    expect(retryAfter(m, 'w1')).toBe(1000);
  });
});
