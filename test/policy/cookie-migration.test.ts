/**
 * Issue 12, item 6: the migration that turns the old long-lived admin token into a cookie keeps
 * the tokens it minted working (they become roots) and says what it did in a meta row.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from '../../src/keystore/database.ts';
import { MIGRATIONS, migrate } from '../../src/keystore/migrations.ts';
import { SqlTokenStore } from '../../src/keystore/sql-token-store.ts';
import { authenticateToken, ensureAdminToken, mintToken } from '../../src/rpc/tokens.ts';
import { SCOPES } from '../../src/rpc/scopes.ts';
import { rawKey, tempDir } from '../keystore/helpers.ts';

let cleanup = () => {};
afterEach(() => cleanup());

describe('admin cookie migration', () => {
  it('marks pre-upgrade admin tokens as cookies, re-parents their children, and records it', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const db = await openDatabase({ path: join(t.dir, 'keystore.db'), key: rawKey() });
    await migrate(db, MIGRATIONS.filter((m) => m.version <= 3));
    // Rows as the pre-cookie daemon wrote them (no cookie column yet).
    const insert = (id: string, name: string, createdBy: string | null) => db.run(
      `INSERT INTO tokens (id, name, secret_hash, scopes, constraints, created_by, created_at, revoked_at)
        VALUES (?, ?, ?, ?, '{}', ?, 1, NULL)`,
      [id, name, '0'.repeat(64), JSON.stringify(name === 'admin' ? SCOPES : ['wallet:read']), createdBy],
    );
    await insert('a0a0a0a0a0a0a0a0', 'admin', null);
    await insert('c1c1c1c1c1c1c1c1', 'shop', 'a0a0a0a0a0a0a0a0');
    await insert('c2c2c2c2c2c2c2c2', 'shop-kid', 'c1c1c1c1c1c1c1c1');
    // Every later migration applies too; 4 is the one under test.
    expect(await migrate(db)).toEqual(MIGRATIONS.filter((m) => m.version > 3).map((m) => m.version));
    const store = new SqlTokenStore(db);
    expect((await store.getToken('a0a0a0a0a0a0a0a0'))?.cookie).toBe(true);
    expect((await store.getToken('c1c1c1c1c1c1c1c1'))?.createdBy).toBeNull();
    expect((await store.getToken('c2c2c2c2c2c2c2c2'))?.createdBy).toBe('c1c1c1c1c1c1c1c1');
    const note = await db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'upgrade.admin-cookie'");
    expect(note?.value).toBe('marked 1 pre-upgrade admin token(s) as cookies; re-parented 1 token(s) they minted as roots');

    // The first start after the upgrade rotates the old admin token out; its child lives on.
    const child = await mintToken(store, { name: 'x', scopes: ['wallet:read'], constraints: {}, createdBy: 'c1c1c1c1c1c1c1c1' });
    await ensureAdminToken(store, join(t.dir, 'admin.token'));
    expect((await store.getToken('a0a0a0a0a0a0a0a0'))?.revokedAt).not.toBeNull();
    expect((await authenticateToken(store, child.token, Date.now())).id).toBe(child.record.id);
    await db.close();
  });
});
