/**
 * Issue 12, item 8 against a real daemon with small bounds: connections are held open the way
 * an attacker would and must end in a close or a JSON-RPC error, never a hang: slow headers,
 * a slow body, a WebSocket that never authenticates, too many connections, too many
 * subscriptions per connection and per token.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { WsClient } from '../notify/ws-client.ts';
import { ok, rpc, startChainDaemon, type RunningDaemon } from '../e2e/e2e-helpers.ts';

const ctx = useRegtestNode();

/** Resolves when the server closes the socket; the test's own timeout fails a hang. */
const closed = (sock: Socket) => new Promise<string>((resolve) => {
  let data = '';
  sock.on('data', (b) => (data += b.toString()));
  sock.on('close', () => resolve(data));
  sock.on('error', () => undefined);
});

describe('connection bounds against a real daemon', () => {
  let d: RunningDaemon;
  let port: number;
  beforeAll(async () => {
    d = await startChainDaemon(ctx.node, undefined, {
      WALLETD_RPC_HEADERS_TIMEOUT_MS: '1500',
      WALLETD_RPC_REQUEST_TIMEOUT_MS: '2500',
      WALLETD_RPC_WS_AUTH_DEADLINE_MS: '1000',
      WALLETD_RPC_MAX_CONNECTIONS: '20',
      WALLETD_RPC_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
      WALLETD_RPC_MAX_SUBSCRIPTIONS_PER_TOKEN: '5',
      WALLETD_RPC_KDF_QUEUE: '2',
    });
    port = Number(new URL(d.url).port);
  });
  afterAll(async () => {
    d?.child.kill('SIGTERM');
    await d?.exited;
  });

  const open = () => new Promise<Socket>((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
  });

  it('closes a connection whose headers never finish, and one whose body never finishes', async () => {
    const slowHeaders = await open();
    const headersDone = closed(slowHeaders);
    slowHeaders.write('POST /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => slowHeaders.writable && slowHeaders.write('X-a: b\r\n'), 300);
    const slowBody = await open();
    const bodyDone = closed(slowBody);
    slowBody.write(`POST /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nAuthorization: Bearer ${d.adminToken}\r\n\r\n{`);
    const drip2 = setInterval(() => slowBody.writable && slowBody.write(' '), 300);
    const [h, b] = await Promise.all([headersDone, bodyDone]);
    clearInterval(drip);
    clearInterval(drip2);
    expect(h === '' || /^HTTP\/1\.1 408/.test(h)).toBe(true);
    expect(b === '' || /^HTTP\/1\.1 408/.test(b)).toBe(true);
  });

  it('closes a WebSocket that does not authenticate before the deadline', async () => {
    const ws = new WebSocket(`${d.url.replace(/^http/, 'ws')}/ws`);
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(4001);
  });

  it('refuses connections over the cap, and serves again once they go', async () => {
    const held = await Promise.all(Array.from({ length: 20 }, open));
    const extra = await open();
    await closed(extra);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${d.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('caps subscriptions per connection and per token with a JSON-RPC error', async () => {
    const connectWs = async () => {
      const ws = new WebSocket(`${d.url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${d.adminToken}` } });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      return new WsClient(ws);
    };
    const a = await connectWs();
    for (let i = 0; i < 3; i++) expect((await a.call('subscribe', { events: ['block'] })).error).toBeUndefined();
    expect((await a.call('subscribe', { events: ['block'] })).error?.data).toMatchObject({ code: 'RATE_LIMITED', limit: 'maxSubscriptionsPerConnection' });
    const b = await connectWs();
    for (let i = 0; i < 2; i++) expect((await b.call('subscribe', { events: ['block'] })).error).toBeUndefined();
    expect((await b.call('subscribe', { events: ['block'] })).error?.data).toMatchObject({ code: 'RATE_LIMITED', limit: 'maxSubscriptionsPerToken' });
    a.terminate();
    b.terminate();
  });

  it('refuses a bundle whose header asks for more than twice the default scrypt cost, before any KDF', async () => {
    const wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'kdf' })).id;
    const { bundle } = await ok<{ bundle: string }>(d, d.adminToken, 'export_wallet', { wallet, passphrase: 'a long export passphrase' });
    const bytes = Buffer.from(bundle, 'base64');
    const logNAt = 9; // docs/bundle-format.md: 8 magic bytes, the version, then log2(N)
    expect(bytes[logNAt]).toBe(17);
    bytes[logNAt] = 21; // 16x the default memory and work
    const answer = await rpc(d, d.adminToken, 'import_wallet', { bundle: bytes.toString('base64'), passphrase: 'a long export passphrase' });
    expect(answer.error?.data).toMatchObject({ code: 'BAD_PASSPHRASE', limit: 'scrypt' });
  });

  it('runs at most one key-derivation method per batch', async () => {
    const batch = Array.from({ length: 4 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'backup_wallet', params: { passphrase: 'a long backup passphrase' } }));
    const res = await fetch(`${d.url}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify([...batch, { jsonrpc: '2.0', id: 9, method: 'list_wallets', params: {} }]),
    });
    const answers = (await res.json()) as Array<{ id: number; result?: unknown; error?: { data?: { code?: string; limit?: string } } }>;
    expect(answers.filter((a) => a.error?.data?.limit === 'kdfPerBatch')).toHaveLength(3);
    expect(answers.find((a) => a.id === 9)?.result).toBeDefined();
  });

  it('queues key derivation with a cap, refuses the overflow, and keeps serving reads meanwhile', async () => {
    const wallet = (await ok<Array<{ id: string }>>(d, d.adminToken, 'list_wallets'))[0]!.id;
    let exportsDone = 0;
    const exports = Array.from({ length: 8 }, () =>
      rpc(d, d.adminToken, 'export_wallet', { wallet, passphrase: 'a long export passphrase' }).then((a) => {
        exportsDone += 1;
        return a;
      }));
    await new Promise((r) => setTimeout(r, 50));
    expect((await rpc(d, d.adminToken, 'list_wallets')).error).toBeUndefined();
    expect(exportsDone).toBeLessThan(8);
    const answers = await Promise.all(exports);
    const refused = answers.filter((a) => a.error?.data?.limit === 'kdfQueue');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const a of refused) expect(a.error?.data?.code).toBe('RATE_LIMITED');
    expect(answers.filter((a) => !a.error).length).toBeGreaterThanOrEqual(3);
  });
});
