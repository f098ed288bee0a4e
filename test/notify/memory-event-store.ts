/** An in-memory `EventStore` for tests; reads can be held back to widen race windows. */
import type { EventStore, WalletEvent } from '../../src/rpc/ports.ts';

/** Assigns increasing seqs from `next`, like the keystore's AUTOINCREMENT. */
export class MemoryEventStore implements EventStore {
  readonly rows: WalletEvent[] = [];
  /** Every `listEventsSince` waits for this first. */
  readGate: Promise<void> = Promise.resolve();

  constructor(private next = 1) {}

  async appendEvent(event: Omit<WalletEvent, 'seq'>): Promise<WalletEvent> {
    const stored = { ...event, seq: this.next++ };
    this.rows.push(stored);
    return stored;
  }

  async listEventsSince(sinceSeq: number, limit: number): Promise<WalletEvent[]> {
    await this.readGate;
    return this.rows.filter((r) => r.seq > sinceSeq).slice(0, limit);
  }
}
