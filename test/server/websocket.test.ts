/**
 * `GET /ws` through `injectWS` (SPEC §3, §4): header and first-message auth, the per-connection
 * session, refusal of a bad token at upgrade, and close code 1001 on shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

let nextId = 1;

/** Sends one call and resolves with the response carrying its id. */
function call(ws: WebSocket, method: string, params: unknown = {}): Promise<{ result?: unknown; error?: { code: number; data?: { code?: string } } }> {
  const id = nextId++;
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const msg = JSON.parse(data.toString());
      if (msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  });
}

const open = (headers: Record<string, string> = {}) => t.app.injectWS('/ws', { headers: { host: 'localhost', ...headers } });

describe('websocket transport', () => {
  it('answers an oversized message with REQUEST_TOO_LARGE and keeps the connection', async () => {
    const ws = await open({ authorization: `Bearer ${t.adminToken}` });
    const answer = new Promise<{ id: unknown; error?: { data?: { code?: string } } }>((resolve) =>
      ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()))),
    );
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'big', method: 'list_wallets', params: { pad: 'x'.repeat(1024 * 1024 + 10) } }));
    expect((await answer).error?.data?.code).toBe('REQUEST_TOO_LARGE');
    expect((await call(ws, 'list_wallets')).error).toBeUndefined();
    ws.terminate();
  });

  it('authenticates from the upgrade header and keeps select_wallet per connection', async () => {
    const a = await open({ authorization: `Bearer ${t.adminToken}` });
    const created = (await call(a, 'create_wallet', { name: 'ws-test' })).result as { id: string };
    expect(typeof created.id).toBe('string');
    expect((await call(a, 'select_wallet', { wallet: created.id })).error).toBeUndefined();
    const info = await call(a, 'get_wallet_info');
    expect(info.result).toMatchObject({ id: created.id });

    // A second connection has its own session: nothing selected there.
    const b = await open({ authorization: `Bearer ${t.adminToken}` });
    expect((await call(b, 'get_wallet_info')).error?.data?.code).toBe('WALLET_NOT_SELECTED');
    a.terminate();
    b.terminate();
  });

  it('accepts `auth {token}` as the first message and refuses calls before it', async () => {
    const ws = await open();
    expect((await call(ws, 'list_wallets')).error?.data?.code).toBe('UNAUTHORIZED');
    expect((await call(ws, 'auth', { token: t.adminToken })).error).toBeUndefined();
    expect((await call(ws, 'list_wallets')).result).toEqual(expect.any(Array));
    ws.terminate();
  });

  it('answers a malformed message with -32700 and keeps the connection', async () => {
    const ws = await open({ authorization: `Bearer ${t.adminToken}` });
    const reply = new Promise<{ id: unknown; error: { code: number } }>((resolve) =>
      ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()))),
    );
    ws.send('{not json');
    expect(await reply).toMatchObject({ id: null, error: { code: -32700 } });
    expect((await call(ws, 'list_wallets')).result).toEqual(expect.any(Array));
    ws.terminate();
  });

  it('refuses an upgrade with a bad bearer token or a foreign Origin', async () => {
    await expect(open({ authorization: `Bearer wd_0011223344556677_${'b'.repeat(64)}` })).rejects.toThrow(/401/);
    await expect(open({ origin: 'http://evil.example' })).rejects.toThrow(/403/);
  });

  it('closes open sockets with 1001 when the app closes', async () => {
    const own = await startTestApp();
    const ws = await own.app.injectWS('/ws', { headers: { host: 'localhost', authorization: `Bearer ${own.adminToken}` } });
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    await own.close();
    expect(await closed).toBe(1001);
  });
});
