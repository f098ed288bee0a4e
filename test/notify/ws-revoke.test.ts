/**
 * README "Lineage": revoking a token ends the live WebSocket sessions it (or a descendant)
 * authenticated. A real `walletd` process following a real regtest node: a token T and a child
 * of T each hold a subscribed socket; revoking T over HTTP closes both with 4401 'token revoked'.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createClient, WalletdConnectionClosedError } from '../../src/client/index.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { ok, startChainDaemon, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { WsClient } from './ws-client.ts';

const ctx = useRegtestNode();
let daemon: RunningDaemon | undefined;

beforeAll(async () => {
  daemon = await startChainDaemon(ctx.node);
}, 60_000);

afterAll(async () => {
  if (daemon) {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    await rm(daemon.datadir, { recursive: true, force: true });
  }
});

/** Opens a socket authenticated by `token` and resolves with a client plus its close frame. */
async function connect(token: string): Promise<{ client: WsClient; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(`${daemon!.url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { client: new WsClient(ws), closed };
}

/** Resolves with the close frame, or 'still open' once the socket has stayed open for `ms`. */
const closeOrOpen = (closed: Promise<{ code: number; reason: string }>, ms: number) =>
  Promise.race([closed, new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms))]);

describe('token_revoke and live WebSocket sessions', () => {
  it('closes every socket of the revoked lineage with 4401, and leaves other sockets open', async () => {
    const d = daemon!;
    const parent = await ok<{ token: string; id: string }>(d, d.adminToken, 'token_create', {
      name: 'parent', scopes: ['wallet:read', 'tokens:admin'],
    });
    const child = await ok<{ token: string; id: string }>(d, parent.token, 'token_create', { name: 'child', scopes: ['wallet:read'] });
    const bystander = await ok<{ token: string }>(d, d.adminToken, 'token_create', { name: 'other', scopes: ['wallet:read'] });

    const sockets = await Promise.all([parent.token, child.token, bystander.token].map(connect));
    for (const s of sockets) await s.client.result('subscribe', { events: ['block'] });

    expect(await ok(d, d.adminToken, 'token_revoke', { id: parent.id })).toBe(true);
    // Bounded waits: a socket the fix forgets would otherwise hang the test until its timeout.
    expect(await closeOrOpen(sockets[0]!.closed, 5_000)).toEqual({ code: 4401, reason: 'token revoked' });
    expect(await closeOrOpen(sockets[1]!.closed, 5_000)).toEqual({ code: 4401, reason: 'token revoked' });
    // An unrelated token's socket stays open and still answers.
    expect(sockets[2]!.client.ws.readyState).toBe(WebSocket.OPEN);
    expect(await sockets[2]!.client.result('token_info')).toMatchObject({ name: 'other' });
    await sockets[2]!.client.close();
  });

  it('answers a self-revoke over the socket before closing it', async () => {
    const d = daemon!;
    const self = await ok<{ token: string; id: string }>(d, d.adminToken, 'token_create', {
      name: 'self', scopes: ['wallet:read', 'tokens:admin'],
    });
    const s = await connect(self.token);
    await s.client.result('subscribe', { events: ['block'] });
    expect(await s.client.result('token_revoke', { id: self.id })).toBe(true);
    expect(await closeOrOpen(s.closed, 5_000)).toEqual({ code: 4401, reason: 'token revoked' });
  });

  it("ends @walletd/client's subscription iterator with the close code and reason", async () => {
    const d = daemon!;
    const t = await ok<{ token: string; id: string }>(d, d.adminToken, 'token_create', { name: 'ui', scopes: ['wallet:read'] });
    const client = createClient({ ws: d.url.replace(/^http/, 'ws') }, { token: t.token });
    const sub = await client.subscribe({ events: ['block'] });
    const iterator = sub[Symbol.asyncIterator]();
    const next = iterator.next().then(() => 'resolved', (err: unknown) => err);
    expect(await ok(d, d.adminToken, 'token_revoke', { id: t.id })).toBe(true);
    const outcome = await Promise.race([next, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5_000))]);
    expect(outcome).toBeInstanceOf(WalletdConnectionClosedError);
    expect(outcome).toMatchObject({ closeCode: 4401, reason: 'token revoked', code: 'UNAUTHORIZED' });
    // A call on the dead connection cannot reconnect with the revoked token: UNAUTHORIZED again.
    await expect(client.tokenInfo()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await client.close();
  });

  it("closes an expired token's subscribed socket with 4401 'token expired' at its next event", async () => {
    const d = daemon!;
    await ok(d, d.adminToken, 'create_wallet', { name: 'expiry' });
    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    const t = await ok<{ token: string }>(d, d.adminToken, 'token_create', {
      name: 'short', scopes: ['wallet:read'], constraints: { expiresAt },
    });
    const s = await connect(t.token);
    await s.client.result('subscribe', { events: ['block'] });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // No push yet, so the socket is still open; the next block event finds the token expired.
    expect(s.client.ws.readyState).toBe(WebSocket.OPEN);
    await ctx.node.mine(1);
    expect(await closeOrOpen(s.closed, 20_000)).toEqual({ code: 4401, reason: 'token expired' });
    expect(s.client.events).toEqual([]);
  }, 40_000);
});
