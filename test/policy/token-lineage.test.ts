/**
 * Issue 12, token lineage (SPEC §4) against a real daemon: revoking a token revokes everything
 * it minted, transitively, on HTTP, on a live WebSocket and on its subscriptions; a token never
 * revokes an ancestor; a wallet-bound token sees only its own lineage's tokens and audit rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { WsClient } from '../notify/ws-client.ts';
import { errorCode, ok, startChainDaemon, type RunningDaemon } from '../e2e/e2e-helpers.ts';

const ctx = useRegtestNode();
const ALL = ['wallet:read', 'wallet:receive', 'tokens:admin'];

describe('token lineage against a real daemon', () => {
  let d: RunningDaemon;
  let wallet: string;
  let other: string;
  const mint = async (by: string, name: string, constraints: Record<string, unknown> = {}, scopes = ALL) =>
    ok<{ token: string; id: string }>(d, by, 'token_create', { name, scopes, constraints });
  const connect = async (token: string) => {
    const ws = new WebSocket(`${d.url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new WsClient(ws);
  };

  beforeAll(async () => {
    d = await startChainDaemon(ctx.node);
    wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'lineage' })).id;
    other = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'elsewhere' })).id;
  });
  afterAll(async () => {
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  it('cascades a revocation to every descendant, on HTTP, live WebSockets and subscriptions', async () => {
    const parent = await mint(d.adminToken, 'parent');
    const child = await mint(parent.token, 'child');
    const grandchild = await mint(child.token, 'grandchild');
    const watcher = await connect(d.adminToken);
    const live = await connect(grandchild.token);
    await watcher.result('subscribe', { events: ['block'] });
    await live.result('subscribe', { events: ['block'] });
    expect((await live.call('token_info')).error).toBeUndefined();

    const closed = new Promise<[number, string]>((resolve) => live.ws.once('close', (code, reason) => resolve([code, reason.toString()])));
    await ok(d, d.adminToken, 'token_revoke', { id: parent.id });
    for (const t of [parent, child, grandchild]) expect(await errorCode(d, t.token, 'token_info', {})).toBe('UNAUTHORIZED');
    // The grandchild's live socket is closed by the daemon, saying why (README "Lineage").
    expect(await closed).toEqual([4401, 'token revoked']);
    // A revoked lineage mints nothing more.
    expect(await errorCode(d, child.token, 'token_create', { name: 'late', scopes: ['wallet:read'] })).toBe('UNAUTHORIZED');
    const before = live.events.length;
    await ctx.node.mine(1);
    await watcher.waitForEvents((events) => events.some((e) => e.type === 'block'));
    await new Promise((r) => setTimeout(r, 300));
    expect(live.events.length).toBe(before);
    const listed = await ok<Array<{ id: string; revokedAt: string | null }>>(d, d.adminToken, 'token_list');
    for (const t of [parent, child, grandchild]) expect(listed.find((x) => x.id === t.id)?.revokedAt).not.toBeNull();
    watcher.terminate();
    live.terminate();
  });

  it('never lets a token revoke an ancestor, even one with equal rights', async () => {
    const parent = await mint(d.adminToken, 'parent2');
    const child = await mint(parent.token, 'same-rights-child');
    expect(await errorCode(d, child.token, 'token_revoke', { id: parent.id })).toBe('FORBIDDEN_SCOPE');
    const adminId = (await ok<{ id: string }>(d, d.adminToken, 'token_info')).id;
    expect(await errorCode(d, child.token, 'token_revoke', { id: adminId })).toBe('FORBIDDEN_SCOPE');
    expect(await errorCode(d, parent.token, 'token_revoke', { id: adminId })).toBe('FORBIDDEN_SCOPE');
    expect(await errorCode(d, parent.token, 'token_info', {})).toBeUndefined();
    // Its own descendant it may revoke.
    expect(await errorCode(d, parent.token, 'token_revoke', { id: child.id })).toBeUndefined();
  });

  it('shows a wallet-bound token only its own lineage’s tokens and audit rows', async () => {
    const stranger = await mint(d.adminToken, 'stranger');
    await ok(d, stranger.token, 'generate_address', { wallet: other });
    await ok(d, d.adminToken, 'token_create', { name: 'admin-made', scopes: ['wallet:read'] });
    const bound = await mint(d.adminToken, 'bound', { wallets: [wallet] });
    const kid = await mint(bound.token, 'bound-kid');
    await ok(d, kid.token, 'generate_address', { wallet });
    const seen = await ok<Array<{ id: string }>>(d, bound.token, 'token_list');
    expect(seen.map((t) => t.id).sort()).toEqual([bound.id, kid.id].sort());
    const rows = await ok<Array<{ tokenId: string | null; wallet: string | null }>>(d, bound.token, 'get_audit_log', { limit: 1000 });
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect([bound.id, kid.id]).toContain(r.tokenId);
      expect(r.wallet === null || r.wallet === wallet).toBe(true);
    }
  });
});
