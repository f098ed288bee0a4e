/**
 * Per-call logging is cheap (issue 10): no pino child is built for a request or a call that
 * writes no line beyond the call line, and every line still names its request and token id.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../src/config/load-config.ts';
import { buildApp } from '../../src/server/app.ts';
import { lazyChild } from '../../src/server/logger.ts';
import { Metrics } from '../../src/server/metrics.ts';
import type { RpcEndpoint } from '../../src/server/rpc-endpoint.ts';

/** A pino logger writing parsed lines into `lines`, counting every child() built from it or its children. */
function capture(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const counter = { children: 0 };
  const logger = pino({ level }, new Writable({
    write(chunk, _enc, cb) { lines.push(JSON.parse(chunk.toString())); cb(); },
  }));
  const count = (l: Logger): Logger => {
    const child = l.child.bind(l);
    l.child = ((b: Record<string, unknown>, o?: object) => {
      counter.children += 1;
      return count(child(b, o));
    }) as unknown as Logger["child"];
    return l;
  };
  return { logger: count(logger), lines, counter };
}

describe('lazyChild', () => {
  it('builds no child until a line is written at an enabled level, then one with the bindings', () => {
    const { logger, lines, counter } = capture('info');
    const lazy = lazyChild(logger, { reqId: 'r1' });
    lazy.debug('below the level');
    expect(lazy.isLevelEnabled('info')).toBe(true);
    expect(counter.children).toBe(0);
    lazy.info({ a: 1 }, 'hello');
    lazy.warn('again');
    expect(counter.children).toBe(1);
    expect(lines).toMatchObject([{ reqId: 'r1', a: 1, msg: 'hello' }, { reqId: 'r1', msg: 'again' }]);
  });
});

describe('HTTP requests', () => {
  const config = loadConfig({ env: {}, flags: { datadir: '/nonexistent', network: 'regtest', 'log.level': 'info' } });
  const token = { id: 'tok1', name: 't', scopes: [], constraints: {} };
  const endpoint: RpcEndpoint = {
    authenticate: async () => token,
    handle: async (body) => ({ jsonrpc: '2.0', id: (body as { id: number }).id, result: 'pong' }),
  };

  it('build no logger for a request that logs nothing, and keep the request id on one that does', async () => {
    const { logger, lines, counter } = capture('info');
    const app = await buildApp({ dispatcher: endpoint, config, logger, metrics: new Metrics(), readiness: async () => true });
    await app.ready();
    const built = counter.children;
    const ok = await app.inject({
      method: 'POST', url: '/rpc', payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      headers: { host: 'localhost', authorization: 'Bearer x', 'content-type': 'application/json' },
    });
    expect(JSON.parse(ok.body).result).toBe('pong');
    expect(counter.children - built).toBe(0);
    const refused = await app.inject({ method: 'POST', url: '/rpc', payload: '{}', headers: { host: 'evil.example' } });
    expect(refused.statusCode).toBe(403);
    const line = lines.find((l) => l.msg === 'request refused by guard');
    expect(typeof line?.reqId).toBe('string');
    await app.close();
  });
});
