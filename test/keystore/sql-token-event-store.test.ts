import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/keystore/database.ts';
import { migrate } from '../../src/keystore/migrations.ts';
import { SqlEventStore } from '../../src/keystore/sql-event-store.ts';
import { SqlTokenStore } from '../../src/keystore/sql-token-store.ts';
import type { TokenRecord } from '../../src/rpc/ports.ts';
import { rawKey, tempDir } from './helpers.ts';

let cleanup: () => void;
let path: string;
let key: ReturnType<typeof rawKey>;
let db: Database;

beforeEach(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  path = join(t.dir, 'keystore.db');
  key = rawKey();
  db = await openDatabase({ path, key });
  await migrate(db);
});
afterEach(async () => {
  await db.close();
  cleanup();
});

const token = (id: string, over: Partial<TokenRecord> = {}): TokenRecord => ({
  id, name: `tok-${id}`, secretHash: 'cd'.repeat(32), scopes: ['wallet:read', 'wallet:send'],
  constraints: { wallets: ['w1'], maxSendPerDay: 100_000, allowedDestinations: ['bcrt1qdest'], expiresAt: 5e12 },
  createdBy: 'admin', createdAt: 10, revokedAt: null, ...over,
});

describe('SqlTokenStore', () => {
  it('round-trips tokens with scopes and constraints, and revokes once', async () => {
    const tokens = new SqlTokenStore(db);
    await tokens.insertToken(token('b', { createdAt: 20 }));
    await tokens.insertToken(token('a', { createdBy: null, constraints: {} }));
    expect(await tokens.getToken('b')).toEqual(token('b', { createdAt: 20 }));
    expect(await tokens.getToken('zz')).toBeNull();
    expect((await tokens.listTokens()).map((t) => t.id)).toEqual(['a', 'b']);
    expect(await tokens.revokeToken('b', 99)).toBe(true);
    expect(await tokens.revokeToken('b', 100)).toBe(false);
    expect(await tokens.revokeToken('zz', 100)).toBe(false);
    expect((await tokens.getToken('b'))?.revokedAt).toBe(99);
    await expect(tokens.insertToken(token('a'))).rejects.toThrow();
  });

  it('sums the spend ledger over a window, per token, and keeps it across reopen', async () => {
    const ledger = new SqlTokenStore(db);
    await ledger.recordSpend('t1', 'w1', 'tx1', 1_000n, 100);
    await ledger.recordSpend('t1', 'w1', 'tx2', 2_500n, 200);
    await ledger.recordSpend('t2', 'w1', 'tx3', 7n, 200);
    expect(await ledger.spentSince('t1', 0)).toBe(3_500n);
    expect(await ledger.spentSince('t1', 200)).toBe(2_500n);
    expect(await ledger.spentSince('t1', 201)).toBe(0n);
    expect(await ledger.spentSince('t3', 0)).toBe(0n);
    await db.close();
    db = await openDatabase({ path, key });
    expect(await new SqlTokenStore(db).spentSince('t1', 150)).toBe(2_500n);
  });
});

describe('SqlEventStore', () => {
  it('assigns increasing seqs and replays strictly after sinceSeq, even after reopen', async () => {
    let events = new SqlEventStore(db);
    const e1 = await events.appendEvent({ type: 'block', walletId: null, at: 1, data: { height: 5 } });
    const e2 = await events.appendEvent({ type: 'tx', walletId: 'w1', at: 2, data: { txid: 'ab', amount: 5 } });
    expect(e2.seq).toBeGreaterThan(e1.seq);
    expect(await events.listEventsSince(0, 10)).toEqual([e1, e2]);
    expect(await events.listEventsSince(e1.seq, 10)).toEqual([e2]);
    expect(await events.listEventsSince(0, 1)).toEqual([e1]);
    await db.close();
    db = await openDatabase({ path, key });
    events = new SqlEventStore(db);
    const e3 = await events.appendEvent({ type: 'balance', walletId: 'w1', at: 3, data: {} });
    expect(e3.seq).toBeGreaterThan(e2.seq);
  });

  it('appends audit entries and lists them newest first with paging', async () => {
    const audit = new SqlEventStore(db);
    for (let i = 0; i < 5; i++) {
      await audit.appendAudit({ at: i, tokenId: i % 2 ? 't1' : null, method: `m${i}`, walletId: 'w1', outcome: 'ok', txid: null });
    }
    const first = await audit.listAudit({ limit: 3 });
    expect(first.map((a) => a.method)).toEqual(['m4', 'm3', 'm2']);
    expect(first[0]).toMatchObject({ at: 4, tokenId: null, walletId: 'w1', outcome: 'ok', txid: null });
    const rest = await audit.listAudit({ limit: 3, beforeId: first[2]!.id });
    expect(rest.map((a) => a.method)).toEqual(['m1', 'm0']);
    expect(rest[0]?.tokenId).toBe('t1');
  });
});
