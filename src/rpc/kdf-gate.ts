/**
 * A bounded queue for key-derivation work (SPEC §10). scrypt runs on libuv's thread pool, the
 * same four threads SQLCipher uses; unbounded KDF calls would starve every keystore read. At
 * most `concurrency` KDF methods run at once and at most `queue` wait; the rest are refused.
 */
import { fail } from '../errors.ts';

/** Semaphore with a capped waiting line. */
export class KdfGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly concurrency: number, private readonly queue: number) {}

  /** Runs `fn` when a slot frees; RATE_LIMITED (limit `kdfQueue`) when the line is full. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) {
        fail('RATE_LIMITED', 'Too many key-derivation calls queued; retry later', { limit: 'kdfQueue', max: this.queue });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter, so `running` never dips and lets a newcomer jump the line.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
