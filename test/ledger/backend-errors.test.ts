/**
 * Issue 11, "Backend errors": node RPC errors other than -28 must reach the caller as a
 * meaningful registered code, never INTERNAL; a backend that keeps failing is logged at warn
 * with its cause (401, timeout, refused), once each time the cause changes. A proxy in front of
 * the node's RPC makes the real node produce the errors (it rewrites a call's params) or hangs.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/errors.ts';
import { ok, rpc, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { startFaultProxy, type FaultProxy, type RpcBody } from './fault-proxy.ts';
import { settle, useDaemons, walletCaller } from './ledger-helpers.ts';

const ctx = useRegtestNode();
const startDaemon = useDaemons();
const proxies: FaultProxy[] = [];
afterAll(async () => {
  for (const p of proxies) await p.close();
});

/** pino's numeric level for warn. */
const WARN = 40;

describe('node errors other than -28 surfaced through a method', () => {
  let proxy: FaultProxy;
  let d: RunningDaemon;
  let wallet: string;

  beforeAll(async () => {
    proxy = await startFaultProxy(ctx.node.url);
    proxies.push(proxy);
    d = await startDaemon(ctx.node, { WALLETD_CHAIN_URL: proxy.url });
    wallet = (await ok<{ id: string }>(d, d.adminToken, 'create_wallet', { name: 'errors' })).id;
    const call = walletCaller(d, wallet);
    await ctx.node.fund((await call<{ address: string }>('generate_address')).address, 100_000_000n);
    await ctx.node.mine(1);
    await settle(d, wallet, ctx.node);
  });

  // Each case makes the real node answer one call of the send path with a real error.
  it.each([
    ['-8 invalid parameter (estimatesmartfee)', 'estimatesmartfee', [0], { confTarget: 6 }, -8],
    ['-1 misc error (getnetworkinfo)', 'getnetworkinfo', ['unexpected'], { feeRate: 2 }, -1],
  ] as const)('%s answers a registered code other than INTERNAL', async (_name, method, params, fee, nodeCode) => {
    proxy.setRule((body: RpcBody) =>
      !Array.isArray(body) && body.method === method ? { kind: 'rewrite', body: { ...body, params: [...params] } } : { kind: 'forward' });
    try {
      const to = await ctx.node.rpc<string>('getnewaddress');
      const answer = await rpc(d, d.adminToken, 'send_transaction', { wallet, outputs: [{ address: to, amount: 1_000_000 }], ...fee });
      // The node itself refused the call, with the code under test.
      expect(proxy.refused).toContainEqual({ method, code: nodeCode });
      expect(answer.error).toBeDefined();
      const code = answer.error!.data?.code;
      expect(Object.keys(ERRORS)).toContain(code);
      expect(code).not.toBe('INTERNAL');
    } finally {
      proxy.setRule(() => ({ kind: 'forward' }));
    }
  });
});

describe('a backend that keeps refusing', () => {
  let proxy: FaultProxy;
  let d: RunningDaemon;
  const password = randomBytes(12).toString('hex');
  const polls = () => proxy.seen.filter((m) => m === 'getblockchaininfo').length;
  const warnsNaming = (cause: RegExp) => d.logs.filter((l) => l.level === WARN && cause.test(JSON.stringify(l)));
  const UNAUTHORIZED = /\b401\b|unauthori[sz]ed|authenticat/i;
  const TIMEOUT = /time[sd]? ?out/i;

  beforeAll(async () => {
    proxy = await startFaultProxy(ctx.node.url);
    proxies.push(proxy);
    d = await startDaemon(ctx.node, {
      WALLETD_CHAIN_URL: proxy.url, WALLETD_CHAIN_PASSWORD: password,
      WALLETD_CHAIN_POLL_INTERVAL_MS: '100', WALLETD_CHAIN_TIMEOUT_MS: '500',
    });
  });

  it('wrong credentials (HTTP 401): one warn line names the cause while it stays the same', async () => {
    await until(async () => polls(), (n) => n >= 4);
    expect(warnsNaming(UNAUTHORIZED)).toHaveLength(1);
    expect(d.logs.filter((l) => JSON.stringify(l).includes(password))).toEqual([]);
  });

  it('a new cause (timeout) is logged again, once', async () => {
    proxy.setRule(() => ({ kind: 'hang' }));
    const before = polls();
    await until(async () => polls(), (n) => n >= before + 2, 30_000);
    expect(warnsNaming(TIMEOUT)).toHaveLength(1);
    expect(warnsNaming(UNAUTHORIZED)).toHaveLength(1);
  });
});
