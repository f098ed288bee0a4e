/**
 * Issue 11, "Esplora": the adapter must check that every fetched tx hashes to the txid it asked
 * for, so a lying server cannot inflate a balance. A restored wallet follows the harness esplora
 * server (answering from the real node) through a proxy that starts lying once it is synced:
 * it injects a fabricated payment whose bytes do not hash to its claimed txid, and serves a real
 * payment's bytes with an inflated output. The node's chain is the truth.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { entropyToMnemonic } from 'bip39';
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esploraScripthash } from '../../src/chain/esplora-backend.ts';
import { ok, rpc, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';
import { startEsploraServer } from '../harness/esplora-server.ts';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { sats, settle, useDaemons, walletCaller, type LedgerBalance, type LedgerCoin, type NodeTx } from './ledger-helpers.ts';

const ctx = useRegtestNode();
const startDaemon = useDaemons();
const MNEMONIC = entropyToMnemonic('5a'.repeat(16));
const INFLATION = 1_349_000_000n;

/** What the proxy currently lies about. */
interface Lies {
  /** A fabricated mempool tx listed under `scripthash`: its JSON, and bytes that hash elsewhere. */
  fake?: { scripthash: string; txid: string; json: unknown; hex: string };
  /** Real txids whose bytes are served with an inflated output. */
  inflated: Map<string, string>;
  /** How often each inflated tx was served. */
  served: Map<string, number>;
  /** Sync passes seen (each starts with GET /blocks/tip/hash), lying or not. */
  polls: number;
  /** An older block's hash, answered as the tip: a tip that goes backwards. */
  staleTip?: string;
  /** Fee estimates (sat/vB by target) answered instead of the server's. */
  fees?: Record<string, number>;
}

/** A pass-through proxy in front of an esplora server that tells the lies in `lies`. */
async function startLyingEsplora(upstream: string, lies: Lies) {
  const server = createServer((req, res) => {
    void answer(req, res).catch(() => res.destroy());
  });
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const parts = path.split('/').filter(Boolean);
    const reply = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (path === '/blocks/tip/hash') lies.polls++;
    if (path === '/blocks/tip/hash' && lies.staleTip) return reply(200, lies.staleTip);
    if (path === '/fee-estimates' && lies.fees) return reply(200, JSON.stringify(lies.fees), 'application/json');
    const fake = lies.fake;
    if (fake && parts[0] === 'tx' && parts[1] === fake.txid) {
      if (parts[2] === 'hex') return reply(200, fake.hex);
      if (parts[2] === 'status') return reply(200, JSON.stringify({ confirmed: false }), 'application/json');
      return reply(200, JSON.stringify(fake.json), 'application/json');
    }
    if (parts[0] === 'tx' && parts[2] === 'hex' && lies.inflated.has(parts[1]!)) {
      lies.served.set(parts[1]!, (lies.served.get(parts[1]!) ?? 0) + 1);
      return reply(200, lies.inflated.get(parts[1]!)!);
    }
    const body = req.method === 'POST' ? await new Promise<string>((r) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => r(b)); }) : undefined;
    const up = await fetch(upstream + (req.url ?? '/'), { method: req.method, body });
    let text = await up.text();
    if (fake && up.ok && parts[0] === 'scripthash' && parts[1] === fake.scripthash && parts[2] === 'txs' && parts[3] !== 'chain') {
      text = JSON.stringify([fake.json, ...(JSON.parse(text) as unknown[])]);
    }
    reply(up.status, text, up.headers.get('content-type') ?? 'text/plain');
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** `hex` with the output paying `script` raised by INFLATION: its hash is no longer the txid. */
function inflate(hex: string, script: string): string {
  const tx = Transaction.fromHex(hex);
  const out = tx.outs.find((o) => Buffer.from(o.script).toString('hex') === script)!;
  out.value += INFLATION;
  return tx.toHex();
}

describe('a lying esplora server', () => {
  const lies: Lies = { inflated: new Map(), served: new Map(), polls: 0 };
  let closers: Array<() => Promise<void>> = [];
  let d: RunningDaemon;
  let wallet: string;
  let call: ReturnType<typeof walletCaller>;
  let scripts: string[];
  let truth: number;

  beforeAll(async () => {
    const esplora = await startEsploraServer(ctx.node);
    const liar = await startLyingEsplora(esplora.url, lies);
    closers = [liar.close, esplora.close];
    d = await startDaemon(ctx.node, { WALLETD_CHAIN_BACKEND: 'esplora', WALLETD_CHAIN_URL: liar.url });
    wallet = (await ok<{ id: string }>(d, d.adminToken, 'import_wallet', { mnemonic: MNEMONIC, name: 'restored' })).id;
    call = walletCaller(d, wallet);
    const addresses = [(await call<{ address: string }>('generate_address')).address, (await call<{ address: string }>('generate_address')).address];
    scripts = await Promise.all(addresses.map(async (a) => (await ctx.node.rpc<{ scriptPubKey: string }>('getaddressinfo', a)).scriptPubKey));
    await ctx.node.fund(addresses[0]!, 1_000_000_000n);
    await ctx.node.fund(addresses[1]!, 150_000_000n);
    await ctx.node.mine(1);
    await settle(d, wallet, ctx.node);
    truth = 1_150_000_000;
    // Honest so far: the wallet agrees with the node.
    expect((await call<LedgerBalance>('get_balance')).total).toBe(truth);
  }, 120_000);
  afterAll(async () => {
    for (const close of closers) await close();
  });

  /**
   * Waits for three more sync passes. While the server lies a pass may fail (the adapter refusing
   * the lie), so the wallet's sync height is no signal; the server's tip requests are.
   */
  async function passes(): Promise<void> {
    const start = lies.polls;
    await until(async () => lies.polls, (n) => n >= start + 3);
  }

  it('refuses a fabricated payment whose bytes do not hash to its txid; the balance stays true', async () => {
    const [paid] = (await call<LedgerCoin[]>('get_unspent_outputs', { minConf: 0 })).filter((c) => c.value === 1_000_000_000);
    const real = await ctx.node.rpc<NodeTx>('getrawtransaction', paid!.txid, true);
    const txid = 'fa'.repeat(32);
    lies.fake = {
      scripthash: esploraScripthash(scripts[0]!),
      txid,
      hex: inflate(real.hex, scripts[0]!),
      json: {
        txid, version: 2, locktime: 0, fee: 1000, status: { confirmed: false },
        vin: [{ txid: real.vin[0]!.txid, vout: real.vin[0]!.vout, is_coinbase: false, prevout: null, sequence: 0xfffffffd }],
        vout: [{ scriptpubkey: scripts[0], value: Number(INFLATION) + 1_000_000_000 }],
      },
    };
    await passes();
    expect((await call<LedgerBalance>('get_balance')).total).toBe(truth);
    const history = await call<{ transactions: Array<{ txid: string }> }>('get_transaction_history', { limit: 100 });
    expect(history.transactions.map((t) => t.txid)).not.toContain(txid);
  });

  it('refuses a real payment served with an inflated output: no coin is credited more than the node says', async () => {
    lies.fake = undefined; // this lie alone, so a scan that stops at the first lie still meets it
    const { address } = await call<{ address: string }>('generate_address');
    const script = (await ctx.node.rpc<{ scriptPubKey: string }>('getaddressinfo', address)).scriptPubKey;
    const raw = await ctx.node.rpc<string>('createrawtransaction', [], { [address]: 0.5 });
    const funded = await ctx.node.rpc<{ hex: string }>('fundrawtransaction', raw);
    const signed = await ctx.node.rpc<{ hex: string }>('signrawtransactionwithwallet', funded.hex);
    const txid = Transaction.fromHex(signed.hex).getId();
    // The lie is in place before the node relays the tx, so the wallet never sees its true bytes.
    lies.inflated.set(txid, inflate(signed.hex, script));
    await ctx.node.rpc('sendrawtransaction', signed.hex);
    truth += 50_000_000;
    await until(async () => lies.served.get(txid) ?? 0, (n) => n > 0);
    await passes();
    for (const coin of await call<LedgerCoin[]>('get_unspent_outputs', { minConf: 0 })) {
      const onNode = await ctx.node.rpc<NodeTx>('getrawtransaction', coin.txid, true).catch(() => null);
      // Expected: the node's value for this outpoint; received: the wallet's.
      expect({ outpoint: `${coin.txid}:${coin.vout}`, value: coin.value })
        .toEqual({ outpoint: `${coin.txid}:${coin.vout}`, value: onNode ? sats(onNode.vout[coin.vout]!.value) : 'unknown to the node' });
    }
    expect((await call<LedgerBalance>('get_balance')).total).toBeLessThanOrEqual(truth);
  });

  it('keeps every confirmed coin while the server’s tip goes backwards', async () => {
    lies.fake = undefined;
    lies.inflated.clear();
    await ctx.node.mine(1);
    await settle(d, wallet, ctx.node);
    const before = await call<LedgerBalance>('get_balance');
    const tip = await ctx.node.rpc<number>('getblockcount');
    lies.staleTip = await ctx.node.rpc<string>('getblockhash', tip - 3);
    // The second poll starts once a whole pass has met the stale tip.
    const start = lies.polls;
    await until(async () => lies.polls, (n) => n >= start + 2);
    // Three blocks "gone" from the tip alone, with every block still served: no reorg to follow,
    // so nothing is disconnected and nothing is credited twice.
    expect(await call<LedgerBalance>('get_balance')).toEqual(before);
    lies.staleTip = undefined;
  });

  it('refuses to pay an absurd fee estimate, and raises a tiny one to the relay floor', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    const coins = (await call<LedgerCoin[]>('get_unspent_outputs')).length;
    lies.fees = { 1: 2_000_000, 2: 2_000_000, 6: 2_000_000, 144: 2_000_000 };
    const absurd = await rpc(d, d.adminToken, 'send_transaction', { wallet, outputs: [{ address: to, amount: 1_000_000 }] });
    expect(absurd.error?.data).toMatchObject({ code: 'FEE_TOO_HIGH' });
    // Nothing was leased or spent by the refusal.
    expect((await call<LedgerCoin[]>('get_unspent_outputs')).filter((c) => c.lockedUntil === null)).toHaveLength(coins);
    lies.fees = { 1: 0.001, 2: 0.001, 6: 0.001, 144: 0.001 };
    const sent = await call<{ txid: string; fee: number; feeRate: number; feeSource: string }>('send_transaction', { outputs: [{ address: to, amount: 1_000_000 }] });
    expect(sent).toMatchObject({ feeSource: 'estimate' });
    expect(sent.feeRate).toBeGreaterThanOrEqual(1);
    await until(async () => (await ctx.node.rpc<string[]>('getrawmempool')).includes(sent.txid), (inPool) => inPool);
    lies.fees = undefined;
    truth -= 1_000_000 + sent.fee;
  });

  it('catches up with the node once the server tells the truth again', async () => {
    lies.fake = undefined;
    lies.inflated.clear();
    await ctx.node.mine(1);
    await settle(d, wallet, ctx.node);
    expect(await call<LedgerBalance>('get_balance')).toMatchObject({ confirmed: truth, unconfirmed: 0, total: truth });
  });
});
