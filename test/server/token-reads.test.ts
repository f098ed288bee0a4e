/**
 * An HTTP call reads its token from the store once; a WebSocket re-reads it on every call, so
 * a revoke still applies mid-connection. Counted on the real keystore's token store.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { revokeLineage } from '../../src/rpc/lineage.ts';
import { startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let reads: string[];

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());
beforeEach(() => {
  reads = [];
  const original = Object.getPrototypeOf(t.keystore.tokens).getToken as (id: string) => Promise<unknown>;
  // Count on the instance the dispatcher holds; the method still reads the keystore.
  t.keystore.tokens.getToken = (id: string) => {
    reads.push(id);
    return original.call(t.keystore.tokens, id) as ReturnType<typeof t.keystore.tokens.getToken>;
  };
});

const post = (token: string, payload: unknown) =>
  t.app.inject({
    method: 'POST', url: '/rpc', payload: JSON.stringify(payload),
    headers: { host: 'localhost', authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });

describe('token reads', () => {
  it('are one per HTTP call, and one per HTTP batch', async () => {
    const one = await post(t.adminToken, { jsonrpc: '2.0', id: 1, method: 'list_wallets' });
    expect(one.statusCode).toBe(200);
    expect(JSON.parse(one.body).result).toEqual([]);
    expect(reads).toHaveLength(1);

    reads = [];
    const batch = await post(t.adminToken, [1, 2, 3].map((id) => ({ jsonrpc: '2.0', id, method: 'token_info' })));
    expect(JSON.parse(batch.body)).toHaveLength(3);
    expect(reads).toHaveLength(1);
  });

  it('still refuse a revoked token on the next HTTP call', async () => {
    const token = await t.tokenWith(['wallet:read']);
    const id = /^wd_([0-9a-f]+)_/.exec(token)![1];
    expect((await post(token, { jsonrpc: '2.0', id: 1, method: 'list_wallets' })).statusCode).toBe(200);
    await post(t.adminToken, { jsonrpc: '2.0', id: 2, method: 'token_revoke', params: { id } });
    expect((await post(token, { jsonrpc: '2.0', id: 3, method: 'list_wallets' })).statusCode).toBe(401);
  });

  it('are re-done on every call of a WebSocket, so a revoke applies mid-connection', async () => {
    const token = await t.tokenWith(['wallet:read']);
    const id = /^wd_([0-9a-f]+)_/.exec(token)![1];
    const ws: WebSocket = await t.app.injectWS('/ws', { headers: { host: 'localhost', authorization: `Bearer ${token}` } });
    const call = (n: number) =>
      new Promise<{ result?: unknown; error?: { data?: { code?: string } } }>((resolve) => {
        ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString())));
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: n, method: 'list_wallets' }));
      });
    expect((await call(1)).error).toBeUndefined();
    expect((await call(2)).error).toBeUndefined();
    // The upgrade's read, then one per call.
    expect(reads.filter((r) => r === id)).toHaveLength(3);
    // Straight in the store, as another process would: token_revoke would close the socket itself.
    await revokeLineage(t.keystore.tokens, id!, Date.now());
    expect((await call(3)).error?.data?.code).toBe('UNAUTHORIZED');
    ws.terminate();
  });
});
