/**
 * Transport guards and error envelopes of `buildApp` (SPEC §3, §4): every refusal is a
 * well-formed JSON-RPC error, and the app keeps serving afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers.ts';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ 'rpc.maxBodyBytes': '4096', 'rpc.allowedOrigins': 'http://ui.example' });
});
afterAll(async () => t?.close());

const listWallets = { jsonrpc: '2.0', id: 1, method: 'list_wallets', params: {} };

function auth(token = t.adminToken) {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

/** Asserts a JSON-RPC 2.0 error response object and returns its error. */
function rpcError(body: unknown): { code: number; message: string; data?: { code?: string } } {
  const r = body as { jsonrpc?: string; id?: unknown; error?: { code: number; message: string; data?: { code?: string } } };
  expect(r.jsonrpc).toBe('2.0');
  expect(r).toHaveProperty('id');
  expect(Number.isInteger(r.error?.code)).toBe(true);
  expect(typeof r.error?.message).toBe('string');
  return r.error!;
}

async function expectStillServing(): Promise<void> {
  const res = await t.app.inject({ method: 'POST', url: '/rpc', headers: auth(), payload: listWallets });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ jsonrpc: '2.0', id: 1, result: expect.any(Array) });
}

describe('request guards', () => {
  it('refuses a non-loopback Host (DNS rebinding)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/rpc', headers: { ...auth(), host: 'evil.example:7380' }, payload: listWallets });
    expect(res.statusCode).toBe(403);
    expect(rpcError(res.json()).data?.code).toBe('REQUEST_REFUSED');
    await expectStillServing();
  });

  it('accepts every loopback Host spelling, with any port', async () => {
    for (const host of ['localhost', '127.0.0.1:7380', '[::1]:9999', 'LOCALHOST:1']) {
      const res = await t.app.inject({ method: 'POST', url: '/rpc', headers: { ...auth(), host }, payload: listWallets });
      expect(res.statusCode, host).toBe(200);
    }
  });

  it('refuses an Origin outside rpc.allowedOrigins and accepts a listed one', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/rpc', headers: { ...auth(), origin: 'http://evil.example' }, payload: listWallets });
    expect(bad.statusCode).toBe(403);
    expect(rpcError(bad.json()).data?.code).toBe('REQUEST_REFUSED');
    const good = await t.app.inject({ method: 'POST', url: '/rpc', headers: { ...auth(), origin: 'http://ui.example' }, payload: listWallets });
    expect(good.statusCode).toBe(200);
    expect(good.headers['access-control-allow-origin']).toBe('http://ui.example');
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a CORS preflight for an allowed origin only', async () => {
    const preflight = (origin: string) =>
      t.app.inject({ method: 'OPTIONS', url: '/rpc', headers: { host: 'localhost', origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
    const ok = await preflight('http://ui.example');
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('http://ui.example');
    expect(String(ok.headers['access-control-allow-headers'])).toContain('authorization');
    expect((await preflight('http://evil.example')).statusCode).toBe(403);
  });

  it('answers an oversized body with REQUEST_TOO_LARGE', async () => {
    const payload = JSON.stringify({ ...listWallets, params: { pad: 'x'.repeat(8000) } });
    const res = await t.app.inject({ method: 'POST', url: '/rpc', headers: auth(), payload });
    expect(rpcError(res.json()).data?.code).toBe('REQUEST_TOO_LARGE');
    await expectStillServing();
  });

  it('answers a batch of 1,000 with a JSON-RPC error, not a crash', async () => {
    const big = await startTestApp();
    try {
      const batch = Array.from({ length: 1000 }, (_, i) => ({ ...listWallets, id: i }));
      const res = await big.app.inject({ method: 'POST', url: '/rpc', headers: auth(big.adminToken), payload: batch });
      const err = rpcError(res.json());
      expect(err.data?.code).toBe('REQUEST_TOO_LARGE');
      const ok = await big.app.inject({ method: 'POST', url: '/rpc', headers: auth(big.adminToken), payload: listWallets });
      expect(ok.json().result).toEqual(expect.any(Array));
    } finally {
      await big.close();
    }
  });

  it('answers malformed JSON with -32700', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/rpc', headers: auth(), payload: '{"jsonrpc":"2.0",' });
    const err = rpcError(res.json());
    expect(err.code).toBe(-32700);
    expect(res.json().id).toBeNull();
    await expectStillServing();
  });

  it('answers a wrong jsonrpc version with -32600', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/rpc', headers: auth(), payload: { ...listWallets, jsonrpc: '1.0' } });
    expect(rpcError(res.json()).code).toBe(-32600);
    await expectStillServing();
  });

  it('answers params of the wrong type with -32602', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/rpc',
      headers: auth(),
      payload: { jsonrpc: '2.0', id: 7, method: 'create_wallet', params: { name: 42 } },
    });
    expect(rpcError(res.json()).code).toBe(-32602);
    expect(res.json().id).toBe(7);
    await expectStillServing();
  });

  it('answers an unknown method with -32601', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/rpc', headers: auth(), payload: { ...listWallets, method: 'no_such' } });
    expect(rpcError(res.json()).code).toBe(-32601);
  });

  it('never reads a token from the query string', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/rpc?token=${t.adminToken}`,
      headers: { 'content-type': 'application/json' },
      payload: listWallets,
    });
    expect(res.statusCode).toBe(401);
    expect(rpcError(res.json()).data?.code).toBe('UNAUTHORIZED');
    await expectStillServing();
  });

  it('answers a missing or wrong bearer token with HTTP 401 UNAUTHORIZED', async () => {
    const none = await t.app.inject({ method: 'POST', url: '/rpc', headers: { 'content-type': 'application/json' }, payload: listWallets });
    expect(none.statusCode).toBe(401);
    expect(rpcError(none.json()).data?.code).toBe('UNAUTHORIZED');
    const wrong = await t.app.inject({ method: 'POST', url: '/rpc', headers: auth(`wd_0011223344556677_${'a'.repeat(64)}`), payload: listWallets });
    expect(wrong.statusCode).toBe(401);
    expect(rpcError(wrong.json()).data?.code).toBe('UNAUTHORIZED');
  });

  it('answers a notification with 204 and no body', async () => {
    const { id: _id, ...notification } = listWallets;
    const res = await t.app.inject({ method: 'POST', url: '/rpc', headers: auth(), payload: notification });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });

  it('answers an unknown path with a JSON-RPC shaped 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    rpcError(res.json());
  });
});

describe('health, readiness and metrics', () => {
  it('/healthz answers without auth and reveals nothing', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/healthz and /readyz pass any Host (kubelet sends the pod IP), and only they do (SPEC §10)', async () => {
    for (const url of ['/healthz', '/readyz', '/readyz?chain=1']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { host: '10.244.0.17:7380' } });
      expect(res.statusCode).toBe(200);
    }
    const rpc = await t.app.inject({ method: 'POST', url: '/rpc', headers: { ...auth(), host: '10.244.0.17:7380' }, payload: listWallets });
    expect(rpc.statusCode).toBe(403);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics', headers: { ...auth(), host: '10.244.0.17:7380' } });
    expect(metrics.statusCode).toBe(403);
    // A path that only starts like a probe is guarded as usual.
    const lookalike = await t.app.inject({ method: 'GET', url: '/healthz/../rpc', headers: { host: '10.244.0.17' } });
    expect(lookalike.statusCode).toBe(403);
  });

  it('/readyz answers ok or not, without auth', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/metrics needs a token with node:read', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(none.statusCode).toBe(401);
    const readOnly = await t.tokenWith(['wallet:read']);
    const forbidden = await t.app.inject({ method: 'GET', url: '/metrics', headers: auth(readOnly) });
    expect(forbidden.statusCode).toBe(403);
    expect(rpcError(forbidden.json()).data?.code).toBe('FORBIDDEN_SCOPE');
    const nodeRead = await t.tokenWith(['node:read']);
    const ok = await t.app.inject({ method: 'GET', url: '/metrics', headers: auth(nodeRead) });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.body).toMatch(/^walletd_rpc_requests_total\{method="list_wallets",outcome="ok"\} \d+$/m);
    expect(ok.body).toMatch(/^walletd_rpc_duration_seconds_bucket\{method="list_wallets",le="\+Inf"\} \d+$/m);
    expect(ok.body).toMatch(/^walletd_wallets 0$/m);
    expect(ok.body).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(ok.body).toMatch(/^nodejs_heap_size_used_bytes \d+$/m);
  });
});
