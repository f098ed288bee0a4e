/**
 * Transport edge cases found in review: token-shaped query strings, Host checks on the unix
 * socket and on an IPv6 bind address, the drain/auth race at shutdown, and secret-free logs of
 * a failing WebSocket call.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import type { CallerToken } from '../../src/rpc/context.ts';
import { buildApp } from '../../src/server/app.ts';
import { checkRequest } from '../../src/server/guards.ts';
import { Inflight } from '../../src/server/inflight.ts';
import { createLogger } from '../../src/server/logger.ts';
import { Metrics } from '../../src/server/metrics.ts';
import type { RpcEndpoint } from '../../src/server/rpc-endpoint.ts';
import { listenUnixSocket } from '../../src/server/unix-socket.ts';
import { startTestApp, type TestApp } from './helpers.ts';

const listWallets = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'list_wallets', params: {} });

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ 'rpc.allowedOrigins': 'http://ui.example' });
});
afterAll(async () => t?.close());

/** POSTs /rpc over a unix socket with the given headers. */
function postUnix(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path, method: 'POST', path: '/rpc', headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(listWallets);
  });
}

describe('token in the query string (SPEC §4)', () => {
  it('is refused whatever the key\'s case, and under any key when token-shaped', async () => {
    for (const query of [`Token=${t.adminToken}`, `ACCESS_TOKEN=${t.adminToken}`, `x=${t.adminToken}`]) {
      const res = await t.app.inject({
        method: 'POST', url: `/rpc?${query}`, payload: listWallets,
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      });
      expect(res.statusCode, query).toBe(401);
      expect(res.json().error.data.code).toBe('UNAUTHORIZED');
    }
  });
});

describe('Host guard', () => {
  const settings = { bindHost: 'fd00::5', allowedHosts: [], allowedOrigins: [] };

  it('accepts an IPv6 bind address in brackets, and only that address', () => {
    expect(checkRequest({ host: '[fd00::5]:7380' }, settings)).toBeNull();
    expect(checkRequest({ host: '[FD00::5]' }, settings)).toBeNull();
    expect(checkRequest({ host: 'fd00' }, settings)).not.toBeNull();
    expect(checkRequest({ host: ':7380' }, { ...settings, bindHost: '::1' })).not.toBeNull();
  });

  it('does not apply to unix-socket requests, whose Origin is still checked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'walletd-sock-'));
    const path = join(dir, 'w.sock');
    const server = await listenUnixSocket(t.app, path);
    try {
      const auth = { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' };
      const ok = await postUnix(path, { ...auth, host: 'walletd' });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toMatchObject({ id: 1, result: expect.any(Array) });
      const foreign = await postUnix(path, { ...auth, host: 'walletd', origin: 'http://evil.example' });
      expect(foreign.status).toBe(403);
      expect(JSON.parse(foreign.body).error.data.code).toBe('REQUEST_REFUSED');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** An app over a fake endpoint, capturing log lines. */
async function fakeApp(endpoint: RpcEndpoint, inflight = new Inflight()) {
  const config = loadConfig({ env: {}, flags: { datadir: join(tmpdir(), 'walletd-unused'), network: 'regtest' } });
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _enc, cb) { lines.push(chunk.toString()); cb(); } });
  const logger = createLogger({ level: 'info', destination });
  const app = await buildApp({ dispatcher: endpoint, config, logger, metrics: new Metrics(), readiness: async () => true, inflight });
  await app.ready();
  return { app, lines, inflight };
}

const caller: CallerToken = { id: '00112233aabbccdd', name: 'x', scopes: ['wallet:read'], constraints: {} };

describe('shutdown drain (SPEC §10)', () => {
  it('waits for a call whose token check was still running when the drain began', async () => {
    const events: string[] = [];
    let release!: () => void;
    let authStarted!: () => void;
    const started = new Promise<void>((r) => (authStarted = r));
    const endpoint: RpcEndpoint = {
      authenticate: async () => {
        authStarted();
        await new Promise<void>((r) => (release = r));
        return caller;
      },
      handle: async () => {
        events.push('handled');
        return { jsonrpc: '2.0', id: 1, result: [] };
      },
    };
    const { app, inflight } = await fakeApp(endpoint);
    const res = app.inject({ method: 'POST', url: '/rpc', headers: { host: 'localhost', authorization: 'Bearer x' }, payload: listWallets });
    await started;
    const drained = inflight.drain(5_000).then((idle) => events.push(`drained ${idle}`));
    await new Promise((r) => setImmediate(r));
    release();
    await drained;
    expect((await res).statusCode).toBe(200);
    expect(events).toEqual(['handled', 'drained true']);
    await app.close();
  });
});

describe('websocket call failure', () => {
  it('logs the failure with request and token ids, scrubbed of secrets', async () => {
    const secret = `wd_00112233aabbccdd_${'e'.repeat(64)}`;
    const endpoint: RpcEndpoint = {
      authenticate: async () => caller,
      handle: async () => {
        throw new Error(`backend choked on ${secret}`);
      },
    };
    const { app, lines } = await fakeApp(endpoint);
    const ws = await app.injectWS('/ws', { headers: { host: 'localhost', authorization: 'Bearer x' } });
    const reply = new Promise<{ id: unknown; error: { data: { code: string } } }>((resolve) =>
      ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()))),
    );
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'list_wallets' }));
    expect(await reply).toMatchObject({ id: 9, error: { data: { code: 'INTERNAL' } } });
    ws.terminate();
    await app.close();
    const failure = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'websocket call failed');
    expect(failure).toMatchObject({ reqId: 9, tokenId: caller.id });
    expect(lines.join('\n')).not.toContain(secret);
  });
});

describe('get_node_info config', () => {
  it('redacts credentials in the chain URL', async () => {
    const { nodeInfoOf } = await import('../../src/server/daemon-services.ts');
    const config = loadConfig({
      env: {},
      flags: { datadir: join(tmpdir(), 'walletd-unused'), network: 'regtest', 'chain.backend': 'bitcoind', 'chain.url': 'http://alice:s3cretpw@127.0.0.1:18443' },
    });
    const wallet = { chainStatus: () => ({ backend: 'bitcoind', state: 'offline', tipHeight: null, syncHeight: null }) } as never;
    const text = JSON.stringify(nodeInfoOf(config, wallet));
    expect(text).not.toContain('s3cretpw');
    expect(text).toContain('127.0.0.1:18443');
  });
});

describe('token store failure', () => {
  it('answers INTERNAL with HTTP 500, not a misleading 401, and logs it', async () => {
    const endpoint: RpcEndpoint = {
      authenticate: async () => {
        throw new Error('SQLITE_MISUSE: database is closed');
      },
      handle: async () => null,
    };
    const { app, lines } = await fakeApp(endpoint);
    const res = await app.inject({ method: 'POST', url: '/rpc', headers: { host: 'localhost', authorization: 'Bearer x' }, payload: listWallets });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ id: 1, error: { code: -32603, data: { code: 'INTERNAL' } } });
    expect(lines.some((l) => l.includes('token check failed'))).toBe(true);
    await app.close();
  });
});
