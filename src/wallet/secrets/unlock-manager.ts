/**
 * Which wallets are unlocked for signing, and until when; plus the backoff that slows down
 * passphrase guessing. Time comes only from the injected Clock.
 */
import { fail } from '../../errors.ts';
import type { Clock } from '../ports.ts';

/** Tuning for UnlockManager; every field has a default. */
export interface UnlockManagerOptions {
  /** Longest unlock accepted; longer requests are clamped (Bitcoin Core clamps walletpassphrase too). Default 1 day. */
  maxTimeoutSec?: number;
  /** Delay after the first bad passphrase; it doubles with each further failure. Default 1000 ms. */
  backoffBaseMs?: number;
  /** Ceiling for the backoff delay. Default 60000 ms. */
  backoffMaxMs?: number;
}

interface Unlocked {
  seed: Uint8Array;
  until: number;
  cancel: () => void;
}

interface Failures {
  count: number;
  blockedUntil: number;
}

// An attempt holds its wallet's slot until it reports success or failure, so guesses cannot run
// in parallel between the check and the KDF's verdict; a caller that never reports frees it here.
const ATTEMPT_SLOT_MS = 30_000;

// setTimeout overflows above 2^31-1 ms and would fire at once; long unlocks re-arm instead.
const MAX_TIMER_MS = 0x7fffffff;

/** Holds unlocked seeds with an auto-lock deadline and rate-limits unlock attempts per wallet. */
export class UnlockManager {
  private readonly unlocked = new Map<string, Unlocked>();
  private readonly failures = new Map<string, Failures>();
  private readonly attempts = new Map<string, number>();
  private readonly maxTimeoutSec: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(
    private readonly clock: Clock,
    opts: UnlockManagerOptions = {},
  ) {
    this.maxTimeoutSec = opts.maxTimeoutSec ?? 86_400;
    this.backoffBaseMs = opts.backoffBaseMs ?? 1_000;
    this.backoffMaxMs = opts.backoffMaxMs ?? 60_000;
  }

  /**
   * Keeps `seed` for `timeoutSec` seconds (clamped to maxTimeoutSec). The manager takes
   * ownership of the buffer and zeroes it on lock; a second unlock replaces and zeroes the first.
   */
  unlock(walletId: string, seed: Uint8Array, timeoutSec: number): void {
    if (!Number.isFinite(timeoutSec) || timeoutSec <= 0) fail('INVALID_PARAMS', 'timeoutSec must be a positive number');
    const previous = this.unlocked.get(walletId);
    if (previous !== undefined && previous.seed !== seed) this.lock(walletId);
    else if (previous !== undefined) previous.cancel();
    const until = this.clock.now() + Math.min(timeoutSec, this.maxTimeoutSec) * 1000;
    const entry: Unlocked = { seed, until, cancel: () => {} };
    this.unlocked.set(walletId, entry);
    this.arm(walletId, entry);
  }

  private arm(walletId: string, entry: Unlocked): void {
    const remaining = Math.max(0, entry.until - this.clock.now());
    entry.cancel = this.clock.setTimer(Math.min(remaining, MAX_TIMER_MS), () => {
      if (this.unlocked.get(walletId) !== entry) return;
      if (this.clock.now() >= entry.until) this.lock(walletId);
      else this.arm(walletId, entry);
    });
  }

  /** Locks one wallet: zeroes its seed buffer and cancels its auto-lock timer. */
  lock(walletId: string): void {
    const entry = this.unlocked.get(walletId);
    if (entry === undefined) return;
    this.unlocked.delete(walletId);
    entry.cancel();
    entry.seed.fill(0);
  }

  /** Locks every wallet (shutdown, or keystore close). */
  lockAll(): void {
    for (const walletId of [...this.unlocked.keys()]) this.lock(walletId);
  }

  /** The unlocked seed, or null when locked or past its deadline (checked against the clock, not only the timer). */
  getSeed(walletId: string): Uint8Array | null {
    const entry = this.unlocked.get(walletId);
    if (entry === undefined) return null;
    if (this.clock.now() >= entry.until) {
      this.lock(walletId);
      return null;
    }
    return entry.seed;
  }

  /** Unix ms at which the wallet locks again, or null when it is locked. */
  unlockedUntil(walletId: string): number | null {
    return this.getSeed(walletId) === null ? null : (this.unlocked.get(walletId)?.until ?? null);
  }

  /**
   * Throws WalletdError RATE_LIMITED (details `{ retryAfterMs }`) while the wallet is in backoff
   * or another attempt on it is still running; otherwise takes the wallet's attempt slot. Check
   * and take are one synchronous step (issue 12: no check-then-act across the KDF's await).
   */
  assertCanAttempt(walletId: string): void {
    const now = this.clock.now();
    const busyUntil = this.attempts.get(walletId);
    if (busyUntil !== undefined && busyUntil > now) {
      fail('RATE_LIMITED', 'another passphrase attempt is running; retry later', { retryAfterMs: busyUntil - now });
    }
    const f = this.failures.get(walletId);
    const retryAfterMs = f === undefined ? 0 : f.blockedUntil - now;
    if (retryAfterMs > 0) fail('RATE_LIMITED', 'too many wrong passphrases; retry later', { retryAfterMs });
    this.attempts.set(walletId, now + ATTEMPT_SLOT_MS);
  }

  /** Records a wrong passphrase: the next attempt waits backoffBaseMs·2^(failures-1), capped at backoffMaxMs. */
  recordFailure(walletId: string): void {
    this.attempts.delete(walletId);
    const count = (this.failures.get(walletId)?.count ?? 0) + 1;
    const delay = Math.min(this.backoffBaseMs * 2 ** Math.min(count - 1, 52), this.backoffMaxMs);
    this.failures.set(walletId, { count, blockedUntil: this.clock.now() + delay });
  }

  /** Clears the wallet's backoff after a correct passphrase. */
  recordSuccess(walletId: string): void {
    this.attempts.delete(walletId);
    this.failures.delete(walletId);
  }

  /** How many wallets are unlocked now, for metrics. */
  unlockedCount(): number {
    let n = 0;
    for (const walletId of [...this.unlocked.keys()]) if (this.getSeed(walletId) !== null) n++;
    return n;
  }
}
