/**
 * `EventStore` (notification replay, SPEC §8) and `AuditStore` over the SQLCipher keystore.
 * `seq` comes from an AUTOINCREMENT key, so it only ever increases, even across restarts.
 */
import type { AuditEntry, AuditStore, EventStore, WalletEvent } from '../rpc/ports.ts';
import type { Database } from './database.ts';

interface EventRow {
  seq: number;
  type: string;
  wallet_id: string | null;
  at: number;
  data: string;
}

interface AuditRow {
  id: number;
  at: number;
  token_id: string | null;
  method: string;
  wallet_id: string | null;
  outcome: string;
  txid: string | null;
}

const toEvent = (r: EventRow): WalletEvent => ({
  seq: r.seq,
  type: r.type as WalletEvent['type'],
  walletId: r.wallet_id,
  at: r.at,
  data: JSON.parse(r.data) as Record<string, unknown>,
});

const toAudit = (r: AuditRow): AuditEntry => ({
  id: r.id,
  at: r.at,
  tokenId: r.token_id,
  method: r.method,
  walletId: r.wallet_id,
  outcome: r.outcome,
  txid: r.txid,
});

/** Persisted notifications and the audit log, over one SQLCipher connection. */
export class SqlEventStore implements EventStore, AuditStore {
  constructor(private readonly db: Database) {}

  async appendEvent(event: Omit<WalletEvent, 'seq'>): Promise<WalletEvent> {
    const r = await this.db.run('INSERT INTO events (type, wallet_id, at, data) VALUES (?, ?, ?, ?)', [
      event.type, event.walletId, event.at, JSON.stringify(event.data),
    ]);
    return { seq: r.lastID, type: event.type, walletId: event.walletId, at: event.at, data: event.data };
  }

  /** Events with `seq` strictly greater than `sinceSeq`, oldest first. */
  async listEventsSince(sinceSeq: number, limit: number): Promise<WalletEvent[]> {
    const rows = await this.db.all<EventRow>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?', [
      sinceSeq, Math.max(0, Math.trunc(limit)),
    ]);
    return rows.map(toEvent);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.db.run(
      'INSERT INTO audit_log (at, token_id, method, wallet_id, outcome, txid) VALUES (?, ?, ?, ?, ?, ?)',
      [entry.at, entry.tokenId, entry.method, entry.walletId, entry.outcome, entry.txid],
    );
  }

  /** Newest first; `beforeId` pages to older entries. */
  async listAudit(opts: { limit: number; beforeId?: number }): Promise<AuditEntry[]> {
    const limit = Math.max(0, Math.trunc(opts.limit));
    const rows =
      opts.beforeId === undefined
        ? await this.db.all<AuditRow>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?', [limit])
        : await this.db.all<AuditRow>('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?', [
            opts.beforeId, limit,
          ]);
    return rows.map(toAudit);
  }
}
