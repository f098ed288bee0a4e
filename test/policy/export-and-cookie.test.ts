/**
 * Issue 12, items 5 and 6 against a real daemon: wallet:admin cannot take the seed (export, or a
 * backup under a passphrase it chose, need wallet:export); admin.token is a cookie: mode 0600,
 * fresh at every start, gone after a clean stop, and what it minted has no parent and survives.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { errorCode, ok, startChainDaemon, type RunningDaemon } from '../e2e/e2e-helpers.ts';

const ctx = useRegtestNode();
const PASS = 'a long export passphrase';

describe('wallet:export and the admin cookie against a real daemon', () => {
  let d: RunningDaemon;
  let wallet: string;
  beforeAll(async () => {
    d = await startChainDaemon(ctx.node);
    wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'seeded' })).id;
  });
  afterAll(async () => {
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  it('keeps the seed from a wallet:admin token; wallet:export (and the cookie) may export', async () => {
    const admin = (await ok<{ token: string }>(d, d.adminToken, 'token_create', { name: 'ops', scopes: ['wallet:admin', 'wallet:read'] })).token;
    expect(await errorCode(d, admin, 'export_wallet', { wallet, passphrase: PASS })).toBe('FORBIDDEN_SCOPE');
    expect(await errorCode(d, admin, 'backup_wallet', { passphrase: PASS })).toBe('FORBIDDEN_SCOPE');
    const exporter = (await ok<{ token: string }>(d, d.adminToken, 'token_create', { name: 'exp', scopes: ['wallet:export'] })).token;
    expect((await ok<{ bundle: string }>(d, exporter, 'export_wallet', { wallet, passphrase: PASS })).bundle.length).toBeGreaterThan(0);
    expect((await ok<{ bundle: string }>(d, d.adminToken, 'export_wallet', { wallet, passphrase: PASS })).bundle.length).toBeGreaterThan(0);
  });

  it('rotates the cookie at every start, deletes it on a clean stop, and keeps what it minted', async () => {
    const path = join(d.datadir, 'admin.token');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const minted = await ok<{ token: string; id: string }>(d, d.adminToken, 'token_create', { name: 'long-lived', scopes: ['wallet:read', 'tokens:admin'] });
    const listed = await ok<Array<{ id: string; createdBy: string | null }>>(d, d.adminToken, 'token_list');
    expect(listed.find((t) => t.id === minted.id)?.createdBy).toBeNull();
    const oldCookie = d.adminToken;
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect(existsSync(path)).toBe(false);
    d = await startChainDaemon(ctx.node, d.datadir);
    expect(d.adminToken).not.toBe(oldCookie);
    expect(readFileSync(path, 'utf8').trim()).toBe(d.adminToken);
    expect(await errorCode(d, oldCookie, 'token_info', {})).toBe('UNAUTHORIZED');
    expect(await errorCode(d, minted.token, 'list_wallets', {})).toBeUndefined();
    // A token minted by the cookie cannot revoke the cookie (it is no ancestor of it, but stronger).
    const cookieId = (await ok<{ id: string }>(d, d.adminToken, 'token_info')).id;
    expect(await errorCode(d, minted.token, 'token_revoke', { id: cookieId })).toBe('FORBIDDEN_SCOPE');
  });
});
