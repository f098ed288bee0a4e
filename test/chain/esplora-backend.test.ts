import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitcoindBackend } from '../../src/chain/bitcoind-backend.ts';
import { EsploraBackend, esploraScripthash } from '../../src/chain/esplora-backend.ts';
import { isWalletdError } from '../../src/errors.ts';
import { startEsploraServer } from '../harness/esplora-server.ts';
import { freePort, useRegtestNode } from '../harness/regtest-node.ts';
import { backendContract } from './backend-contract.ts';

const ctx = useRegtestNode();
let server: { url: string; close(): Promise<void> };
let backend: EsploraBackend;

beforeAll(async () => {
  server = await startEsploraServer(ctx.node);
  backend = new EsploraBackend({ url: server.url });
});

afterAll(async () => {
  await server?.close();
});

describe('EsploraBackend contract', () => {
  backendContract(() => ctx.node, () => backend);
});

describe('EsploraBackend details', () => {
  it('uses esplora scripthashes: SHA-256 of the script, not reversed', () => {
    const script = '0014' + 'ab'.repeat(20);
    expect(esploraScripthash(script)).toBe(createHash('sha256').update(Buffer.from(script, 'hex')).digest('hex'));
  });

  it('pages long histories and agrees with the bitcoind backend', async () => {
    // The miner address holds 100+ coinbases, so its history spans several 25-tx pages.
    const info = await ctx.node.rpc<{ scriptPubKey: string }>('getaddressinfo', ctx.node.minerAddress);
    const req = { scripts: new Set([info.scriptPubKey]), outpoints: new Set<string>(), fromHeight: 0 };
    const { url, user, password } = ctx.node;
    const direct = await new BitcoindBackend({ url, user, password }).scan(req);
    const viaEsplora = await backend.scan(req);
    expect(direct.txs.length).toBeGreaterThan(100);
    expect(new Set(viaEsplora.txs.map((t) => t.txid))).toEqual(new Set(direct.txs.map((t) => t.txid)));
    expect(viaEsplora.tip).toEqual(direct.tip);
  });

  it('answers CHAIN_UNAVAILABLE for a closed port', async () => {
    const port = await freePort();
    const dead = new EsploraBackend({ url: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    for (const call of [() => dead.getTip(), () => dead.broadcast('00'), () => dead.estimateFeeRate(2)]) {
      const err = await call().catch((e: unknown) => e);
      expect(isWalletdError(err, 'CHAIN_UNAVAILABLE')).toBe(true);
    }
  });
});
