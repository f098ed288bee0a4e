/**
 * An existing keystore upgrades in place (issue 11): a file written by the v1 ledger is opened,
 * migrated, and its stored history replayed into the v2 ledger, with no chain access.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openKeystore } from '../../src/keystore/index.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/v1-keystore');
const v1 = JSON.parse(readFileSync(join(FIXTURE, 'written-by-v1.json'), 'utf8')) as {
  walletId: string; sent: string; balance: { confirmed: number; unconfirmed: number; total: number }; tip: number;
};
let dir: string;

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function copyFixture(): string {
  dir = mkdtempSync(join(tmpdir(), 'walletd-v1-'));
  for (const f of ['keystore.db', 'keystore.key']) cpSync(join(FIXTURE, f), join(dir, f));
  return dir;
}

describe('upgrade of a v1 keystore', () => {
  it('replays the v1 history into coins and totals, fixing what v1 got wrong', async () => {
    let replayed = 0;
    const ks = await openKeystore({ datadir: copyFixture(), onLedgerRebuilt: (n) => (replayed = n) });
    try {
      expect(replayed).toBeGreaterThanOrEqual(6);
      const totals = await ks.wallets.totals(v1.walletId);
      // v1 counted two immature coinbases (50 coins each on regtest) as confirmed.
      expect(totals.immature).toBe(2n * 5_000_000_000n);
      expect(totals.confirmed).toBe(BigInt(v1.balance.confirmed) - totals.immature);
      expect(totals.untrustedPending).toBe(BigInt(v1.balance.unconfirmed));
      expect(totals.confirmed + totals.immature + totals.untrustedPending + totals.trustedPending).toBe(BigInt(v1.balance.total));
      expect(await ks.wallets.getTx(v1.walletId, v1.sent)).toMatchObject({ status: 'confirmed', trusted: true });
      const tables = await ks.db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('wallet_txs', 'wallet_outputs', 'wallet_blocks')");
      expect(tables.map((t) => t.name).sort()).toEqual(['wallet_blocks']);
      const meta = await ks.db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'ledger.rebuild'");
      expect(meta?.value).toMatch(/^done: \d+ transactions replayed$/);
      expect(await ks.wallets.getSyncPoint(v1.walletId)).toMatchObject({ height: v1.tip });
    } finally {
      await ks.close();
    }
  });

  it('replays once: the next open finds nothing to do', async () => {
    const path = copyFixture();
    await (await openKeystore({ datadir: path })).close();
    let replayed = 0;
    const again = await openKeystore({ datadir: path, onLedgerRebuilt: (n) => (replayed = n) });
    expect(replayed).toBe(0);
    expect((await again.wallets.totals(v1.walletId)).immature).toBe(10_000_000_000n);
    await again.close();
  });
});
