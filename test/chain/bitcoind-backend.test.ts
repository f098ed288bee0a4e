import { beforeAll, describe, expect, it } from 'vitest';
import { BitcoindBackend } from '../../src/chain/bitcoind-backend.ts';
import { BitcoindRpc, BitcoindRpcError } from '../../src/chain/bitcoind-rpc.ts';
import { isWalletdError } from '../../src/errors.ts';
import { freePort, useRegtestNode } from '../harness/regtest-node.ts';
import { backendContract } from './backend-contract.ts';

const ctx = useRegtestNode();
let backend: BitcoindBackend;

beforeAll(() => {
  const { url, user, password } = ctx.node;
  backend = new BitcoindBackend({ url, user, password });
});

describe('BitcoindBackend contract', () => {
  backendContract(() => ctx.node, () => backend);
});

describe('BitcoindRpc', () => {
  it('keeps the node error code and message', async () => {
    const { url, user, password } = ctx.node;
    const rpc = new BitcoindRpc({ url, user, password });
    const err = await rpc.call('getblockhash', 1_000_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BitcoindRpcError);
    expect((err as BitcoindRpcError).rpcCode).toBe(-8);
  });

  it('batches calls and reports per-call errors', async () => {
    const { url, user, password } = ctx.node;
    const rpc = new BitcoindRpc({ url, user, password });
    const [a, b] = await rpc.batch<string>([
      { method: 'getblockhash', params: [0] },
      { method: 'getblockhash', params: [-1] },
    ]);
    expect(a).toEqual({ ok: true, result: await ctx.node.rpc('getblockhash', 0) });
    expect(b?.ok).toBe(false);
  });

  it('reports wrong credentials as CHAIN_UNAVAILABLE without leaking them', async () => {
    const rpc = new BitcoindRpc({ url: ctx.node.url, user: 'nobody', password: 'wrong-secret' });
    const err = await rpc.call('getblockcount').catch((e: unknown) => e);
    expect(isWalletdError(err, 'CHAIN_UNAVAILABLE')).toBe(true);
    expect(String((err as Error).message)).not.toContain('wrong-secret');
  });
});

describe('BitcoindBackend unreachable', () => {
  it('answers CHAIN_UNAVAILABLE for a closed port, naming the URL without credentials', async () => {
    const port = await freePort();
    const dead = new BitcoindBackend({ url: `http://user:s3cret-pw@127.0.0.1:${port}/`, timeoutMs: 2_000 });
    for (const call of [() => dead.getTip(), () => dead.scan({ scripts: new Set(), outpoints: new Set(), fromHeight: 0 })]) {
      const err = await call().catch((e: unknown) => e);
      expect(isWalletdError(err, 'CHAIN_UNAVAILABLE')).toBe(true);
      expect((err as Error).message).toContain(`127.0.0.1:${port}`);
      expect((err as Error).message).not.toContain('s3cret-pw');
    }
  });
});

describe('BitcoindBackend mempool cache', () => {
  it('fetches each mempool transaction once, not on every scan', async () => {
    const { url, user, password } = ctx.node;
    const fresh = new BitcoindBackend({ url, user, password });
    for (let i = 0; i < 3; i++) await ctx.node.fund(await ctx.node.rpc<string>('getnewaddress'), 100_000n);
    const request = { scripts: new Set<string>(), outpoints: new Set<string>(), fromHeight: (await ctx.node.rpc<number>('getblockcount')) + 1 };
    let fetched = 0;
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      fetched += [...String(init?.body ?? '').matchAll(/"method":"getrawtransaction"/g)].length;
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      await fresh.scan(request);
      const first = fetched;
      await fresh.scan(request);
      expect(first).toBeGreaterThanOrEqual(3);
      expect(fetched - first).toBe(0);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
