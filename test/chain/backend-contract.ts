/**
 * The ChainBackend contract, run against each adapter on a real regtest node: tip, scan of
 * mempool and blocks, spends by outpoint, broadcast rejects, getTx, fees, and a visible reorg.
 * Tests share state and run in order, like a wallet's life on one chain.
 */
import { expect, it } from 'vitest';
import { isWalletdError } from '../../src/errors.ts';
import { ChainMovedError, type ChainBackend, type ScanRequest } from '../../src/wallet/ports.ts';
import type { RegtestNode } from '../harness/regtest-node.ts';
import { randomP2wpkh, signSpend, tamper, voutPaying, type TestKey } from '../harness/p2wpkh-key.ts';

const FUND = 100_000n;
const FEE = 1_000n;

/** Registers the contract tests; `backend()` and `node()` are read lazily inside each test. */
export function backendContract(node: () => RegtestNode, backend: () => ChainBackend): void {
  let owner: TestKey;
  let fundTxid: string;
  let fundVout: number;
  let fundHeight: number;
  let startHeight: number;
  let spendTxid: string;
  let spendHex: string;

  const scan = (req: Partial<ScanRequest>) =>
    backend().scan({ scripts: new Set(), outpoints: new Set(), fromHeight: 0, ...req });

  it('reports the node tip, and block hashes by height', async () => {
    const info = await node().rpc<{ blocks: number; bestblockhash: string }>('getblockchaininfo');
    const tip = await backend().getTip();
    expect(tip).toEqual({ height: info.blocks, hash: info.bestblockhash });
    expect(await backend().getBlockHash(tip.height)).toBe(tip.hash);
    expect(await backend().getBlockHash(1)).toBe(await node().rpc('getblockhash', 1));
    expect(await backend().getBlockHash(tip.height + 1000)).toBeNull();
    startHeight = tip.height;
  });

  it('finds a payment to a watched script while it is in the mempool', async () => {
    owner = randomP2wpkh(node().networkParams);
    fundTxid = await node().fund(owner.address, FUND);
    fundVout = voutPaying(await node().rpc('getrawtransaction', fundTxid, true), owner.script);
    const progress: number[] = [];
    const res = await scan({ scripts: new Set([owner.script]), fromHeight: startHeight - 2, onProgress: (h) => progress.push(h) });
    expect(res.tip.height).toBe(startHeight);
    const hit = res.txs.find((t) => t.txid === fundTxid);
    expect(hit).toMatchObject({ blockHeight: null, blockHash: null, blockTime: null });
    expect(hit?.hex).toBe(await node().rpc('getrawtransaction', fundTxid, false));
    expect(progress.at(-1)).toBe(startHeight);
  });

  it('finds the payment with its block after mining', async () => {
    const [hash] = await node().mine(1);
    fundHeight = startHeight + 1;
    const res = await scan({ scripts: new Set([owner.script]), fromHeight: fundHeight });
    expect(res.tip).toEqual({ height: fundHeight, hash });
    const hit = res.txs.find((t) => t.txid === fundTxid);
    expect(hit).toMatchObject({ blockHeight: fundHeight, blockHash: hash });
    expect(hit?.blockTime).toBeGreaterThan(0);
    // Below fromHeight nothing is reported.
    const later = await scan({ scripts: new Set([owner.script]), fromHeight: fundHeight + 1 });
    expect(later.txs.map((t) => t.txid)).not.toContain(fundTxid);
  });

  it('getTx returns confirmed and unknown transactions', async () => {
    const tx = await backend().getTx(fundTxid);
    expect(tx).toMatchObject({ txid: fundTxid, blockHeight: fundHeight });
    expect(tx?.blockHash).toBe(await node().rpc('getblockhash', fundHeight));
    expect(await backend().getTx('11'.repeat(32))).toBeNull();
  });

  it('rejects a tampered spend with BROADCAST_REJECTED and the node reason', async () => {
    const spend = signSpend({
      from: owner,
      prev: { txid: fundTxid, vout: fundVout, value: FUND },
      toScript: randomP2wpkh(node().networkParams).script,
      fee: FEE,
      network: node().networkParams,
    });
    spendTxid = spend.txid;
    spendHex = spend.hex;
    const err = await backend().broadcast(tamper(spend.hex)).catch((e: unknown) => e);
    expect(isWalletdError(err, 'BROADCAST_REJECTED')).toBe(true);
    expect(String((err as { details?: { reason?: unknown } }).details?.reason)).toMatch(/script|signature/i);
  });

  it('broadcasts a valid spend and finds it by outpoint alone', async () => {
    expect(await backend().broadcast(spendHex)).toBe(spendTxid);
    expect(await node().rpc<string[]>('getrawmempool')).toContain(spendTxid);
    const res = await scan({ outpoints: new Set([`${fundTxid}:${fundVout}`]), fromHeight: fundHeight + 1 });
    expect(res.txs.find((t) => t.txid === spendTxid)).toMatchObject({ blockHeight: null });
    expect((await backend().getTx(spendTxid))?.blockHeight).toBeNull();
  });

  it('catches a spend of a coin found earlier in the same scan', async () => {
    const [hash] = await node().mine(1);
    const res = await scan({ scripts: new Set([owner.script]), fromHeight: fundHeight });
    const ids = res.txs.map((t) => t.txid);
    expect(ids).toContain(fundTxid);
    expect(res.txs.find((t) => t.txid === spendTxid)).toMatchObject({ blockHeight: fundHeight + 1, blockHash: hash });
    // A second broadcast of a confirmed tx is refused, not crashed on.
    const again = await backend().broadcast(spendHex).catch((e: unknown) => e);
    expect(isWalletdError(again, 'BROADCAST_REJECTED')).toBe(true);
  });

  it('has no fee estimate on a fresh chain, and a positive minimum relay fee', async () => {
    expect(await backend().estimateFeeRate(2)).toBeNull();
    expect(await backend().getMinRelayFeeRate()).toBeGreaterThan(0);
  });

  it('shows a reorg as a new block hash at the same height', async () => {
    const tip = await backend().getTip();
    await node().rpc('invalidateblock', tip.hash);
    const [replacement] = await node().mine(1, randomP2wpkh(node().networkParams).address);
    expect(replacement).not.toBe(tip.hash);
    expect(await backend().getBlockHash(tip.height)).toBe(replacement);
    expect(await backend().getTip()).toEqual({ height: tip.height, hash: replacement });
    // The spend left the invalidated block and is back in the mempool (or re-mined).
    expect((await backend().getTx(spendTxid))?.blockHash).not.toBe(tip.hash);
  });

  it('refuses to extend a parent that left the chain: a scan never returns blocks that do not link', async () => {
    const tip = await backend().getTip();
    const stale = { height: tip.height, hash: tip.hash };
    await node().rpc('invalidateblock', tip.hash);
    await node().mine(2, randomP2wpkh(node().networkParams).address);
    // The caller synced to `stale`, then the chain moved: scanning on from it must fail loudly.
    await expect(scan({ fromHeight: stale.height + 1, parent: stale })).rejects.toBeInstanceOf(ChainMovedError);
    // A parent still on the chain is fine.
    const now = await backend().getTip();
    const ok = await scan({ fromHeight: now.height, parent: { height: now.height - 1, hash: (await backend().getBlockHash(now.height - 1))! } });
    expect(ok.tip).toEqual(now);
  });
}
