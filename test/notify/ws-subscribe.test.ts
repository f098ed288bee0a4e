/**
 * `subscribe` / `unsubscribe` through the real stack (`buildApp` + `injectWS`, keystore-backed
 * event store): the response precedes the first event, a wallet-bound token sees only its wallet,
 * the methods exist only on a WebSocket, and no subscription outlives its socket.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { openKeystore, type Keystore } from '../../src/keystore/index.ts';
import { ensureAdminToken, mintToken } from '../../src/rpc/tokens.ts';
import type { Scope } from '../../src/rpc/scopes.ts';
import { buildApp } from '../../src/server/app.ts';
import { createRuntime, type Runtime } from '../../src/server/daemon-services.ts';
import { createLogger } from '../../src/server/logger.ts';
import { WsClient } from './ws-client.ts';

let datadir: string;
let keystore: Keystore;
let runtime: Runtime;
let app: Awaited<ReturnType<typeof buildApp>>;
let admin: string;

beforeAll(async () => {
  datadir = await mkdtemp(join(tmpdir(), 'walletd-notify-'));
  const config = loadConfig({ env: {}, flags: { datadir, network: 'regtest', 'log.level': 'silent' } });
  const logger = createLogger({ level: 'silent' });
  keystore = await openKeystore({ datadir });
  admin = (await ensureAdminToken(keystore.tokens, join(datadir, 'admin.token'))).token;
  runtime = createRuntime({ config, keystore, logger });
  app = await buildApp({ dispatcher: runtime.dispatcher, config, logger, metrics: runtime.metrics, readiness: async () => true });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await runtime?.wallet.stop();
  await keystore?.close();
  await rm(datadir, { recursive: true, force: true });
});

const connect = async (token: string) =>
  new WsClient(await app.injectWS('/ws', { headers: { host: 'localhost', authorization: `Bearer ${token}` } }));
const tokenFor = async (scopes: Scope[], wallets?: string[]) =>
  (await mintToken(keystore.tokens, { name: 't', scopes, constraints: wallets ? { wallets } : {}, createdBy: null })).token;
const notifier = () => runtime.notify.notifier;

describe('subscribe over /ws', () => {
  it('answers with a snapshot before any event, then delivers only the wallets a token may read', async () => {
    const adminWs = await connect(admin);
    const w1 = await adminWs.result<{ id: string }>('create_wallet', { name: 'n1' });
    const w2 = await adminWs.result<{ id: string }>('create_wallet', { name: 'n2' });
    const bound = await connect(await tokenFor(['wallet:read'], [w1.id]));

    const sub = await bound.result<{ subscription: string; snapshot: Record<string, unknown> }>('subscribe', {
      wallet: w1.id,
      events: ['tx', 'block', 'balance'],
    });
    // This app runs as an offline signer: no tip and no balance to report, only the seq mark.
    expect(sub.snapshot).toEqual({ seq: notifier().highWater(), tipHeight: null });
    const all = await bound.result<{ subscription: string }>('subscribe', { events: ['tx'] });
    // The token may not subscribe to a wallet it is not bound to.
    expect((await bound.call('subscribe', { wallet: w2.id, events: ['tx'] })).error?.data?.code).toBe('FORBIDDEN_SCOPE');

    notifier().publish({ type: 'tx', walletId: w2.id, data: { txid: 'b'.repeat(64) } });
    notifier().publish({ type: 'tx', walletId: w1.id, data: { txid: 'a'.repeat(64) } });
    notifier().publish({ type: 'block', walletId: null, data: { height: 1, hash: 'c'.repeat(64) } });
    await bound.waitForEvents((e) => e.length === 3);
    expect(bound.events.map((e) => [e.subscription, e.type, e.wallet])).toEqual([
      [sub.subscription, 'tx', w1.id],
      [all.subscription, 'tx', w1.id],
      [sub.subscription, 'block', null],
    ]);
    expect(bound.events[0]).toMatchObject({ seq: sub.snapshot.seq as number + 2, data: { txid: 'a'.repeat(64) } });
    // Responses came first: every event frame follows the subscribe responses.
    const firstEvent = bound.frames.findIndex((f) => f.method === 'event');
    expect(bound.frames.slice(0, firstEvent).filter((f) => 'result' in f)).toHaveLength(2);

    expect(await bound.result('unsubscribe', { subscription: all.subscription })).toBe(true);
    expect(await bound.result('unsubscribe', { subscription: all.subscription })).toBe(false);
    bound.terminate();
    adminWs.terminate();
  });

  it('replays with sinceSeq from the keystore, then goes live, each seq once', async () => {
    const ws = await connect(admin);
    const start = notifier().highWater();
    for (let i = 0; i < 3; i++) notifier().publish({ type: 'block', walletId: null, data: { height: 10 + i } });
    await notifier().idle();
    const sub = await ws.result<{ snapshot: { seq: number } }>('subscribe', { events: ['block'], sinceSeq: start + 1 });
    expect(sub.snapshot.seq).toBe(start + 3);
    notifier().publish({ type: 'block', walletId: null, data: { height: 13 } });
    await ws.waitForEvents((e) => e.length === 3);
    expect(ws.events.map((e) => [e.seq, e.data.height])).toEqual([[start + 2, 11], [start + 3, 12], [start + 4, 13]]);
    ws.terminate();
  });

  it('refuses subscribe over HTTP and without wallet:read', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/rpc',
      headers: { host: 'localhost', authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      payload: { jsonrpc: '2.0', id: 1, method: 'subscribe', params: { events: ['tx'] } },
    });
    expect(res.json()).toMatchObject({ error: { code: -32601 } });
    const ws = await connect(await tokenFor(['node:read']));
    expect((await ws.call('subscribe', { events: ['tx'] })).error?.data?.code).toBe('FORBIDDEN_SCOPE');
    ws.terminate();
  });

  it('leaks no subscription over many connect/subscribe/close cycles', async () => {
    await vi.waitFor(() => expect(notifier().counts().subscriptions).toBe(0));
    const before = notifier().counts();
    for (let i = 0; i < 25; i++) {
      const ws = await connect(admin);
      await ws.result('subscribe', { events: ['tx', 'block'] });
      await ws.result('subscribe', { events: ['balance'] });
      expect(notifier().counts().subscriptions).toBeGreaterThanOrEqual(2);
      ws.terminate();
    }
    await vi.waitFor(() => expect(notifier().counts()).toEqual(before), { timeout: 5_000 });
  });
});
