/**
 * Tracks JSON-RPC calls in progress on every transport, so shutdown can refuse new calls, let
 * the running ones finish within a deadline, and only then close the keystore (SPEC §10).
 */

/** In-flight call accounting plus the daemon's draining flag. */
export class Inflight {
  private count = 0;
  private waiters: Array<() => void> = [];
  /** True once shutdown began; transports answer new calls with SHUTTING_DOWN. */
  draining = false;

  /** Number of calls still running. */
  get size(): number {
    return this.count;
  }

  /** Runs `work`, counting it as in flight until it settles. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.count += 1;
    try {
      return await work();
    } finally {
      this.count -= 1;
      if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  }

  /** Marks draining and resolves true when idle, or false when `deadlineMs` passes first. */
  async drain(deadlineMs: number): Promise<boolean> {
    this.draining = true;
    if (this.count === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
