/**
 * Funds many wallet outputs fast on the regtest node: raw transactions of up to 1,000 outputs
 * (what the node's `sendmany` does, but allowing one address to repeat), each spending one
 * mature coinbase, signed by the node's wallet and accepted by its mempool.
 */
import { address as baddress, initEccLib, Transaction } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import type { RegtestNode } from '../../test/harness/regtest-node.ts';

interface Unspent {
  txid: string;
  vout: number;
  amount: number;
  spendable: boolean;
}

// P2TR addresses need the curve library to decode.
initEccLib(ecc);

const MAX_OUTPUTS = 1000;
const coinsToSats = (c: number) => BigInt(Math.round(c * 1e8));

/** The node's minimum relay fee in sat/vB, rounded up. */
export async function relayFeeRate(node: RegtestNode): Promise<number> {
  const info = await node.rpc<{ relayfee: number }>('getnetworkinfo');
  return Math.max(1, Math.ceil((info.relayfee * 1e8) / 1000));
}

/** Makes sure the node's wallet holds at least `n` mature coins (mines more blocks if not). */
export async function ensureNodeCoins(node: RegtestNode, n: number): Promise<void> {
  const have = (await node.rpc<Unspent[]>('listunspent', 1)).filter((u) => u.spendable).length;
  if (have >= n) return;
  // A coinbase matures after 100 confirmations (consensus COINBASE_MATURITY).
  await node.mine(n - have);
  await node.mine(100);
}

/**
 * Pays `count` outputs of `sats` each to `addresses` (round-robin), in transactions of up to
 * 1,000 outputs, and mines them into blocks. Returns the txids.
 */
export async function fundOutputs(node: RegtestNode, addresses: string[], count: number, sats: bigint, mineEvery = 20): Promise<string[]> {
  const scripts = addresses.map((a) => baddress.toOutputScript(a, node.networkParams));
  const feeRate = BigInt((await relayFeeRate(node)) + 1);
  const txCount = Math.ceil(count / MAX_OUTPUTS);
  await ensureNodeCoins(node, txCount + 1);
  const coins = (await node.rpc<Unspent[]>('listunspent', 1)).filter((u) => u.spendable).sort((a, b) => b.amount - a.amount);
  const change = baddress.toOutputScript(node.minerAddress, node.networkParams);
  const txids: string[] = [];
  let paid = 0;
  for (let t = 0; t < txCount; t++) {
    const n = Math.min(MAX_OUTPUTS, count - paid);
    const coin = coins[t];
    if (!coin) throw new Error('the node wallet ran out of coins');
    const tx = new Transaction();
    tx.version = 2;
    tx.addInput(Buffer.from(coin.txid, 'hex').reverse(), coin.vout, 0xfffffffd);
    for (let i = 0; i < n; i++) tx.addOutput(scripts[(paid + i) % scripts.length]!, sats);
    // One P2WPKH input's witness adds ~27 vB; 110 leaves room for any script type.
    const fee = (BigInt(tx.virtualSize() + 43 + 110) * feeRate);
    const rest = coinsToSats(coin.amount) - sats * BigInt(n) - fee;
    if (rest < 10_000n) throw new Error(`coin of ${coin.amount} too small for ${n} outputs of ${sats}`);
    tx.addOutput(change, rest);
    const signed = await node.rpc<{ hex: string; complete: boolean }>('signrawtransactionwithwallet', tx.toHex());
    if (!signed.complete) throw new Error('node wallet could not sign the funding tx');
    txids.push(await node.rpc<string>('sendrawtransaction', signed.hex));
    paid += n;
    if ((t + 1) % mineEvery === 0) await node.mine(1);
  }
  await node.mine(1);
  return txids;
}

/** Asks the wallet for `n` addresses (fewer when the gap limit hands the same one back). */
export async function walletAddresses(call: (m: string, p: unknown) => Promise<Record<string, unknown>>, wallet: string, n: number): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add((await call('generate_address', { wallet })).address as string);
  return [...seen];
}

/** Polls `get_balance` until the confirmed balance reaches `sats`; returns the ms it took. */
export async function waitForConfirmed(call: (m: string, p: unknown) => Promise<Record<string, unknown>>, wallet: string, sats: bigint, timeoutMs = 600_000): Promise<number> {
  const t0 = process.hrtime.bigint();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const b = await call('get_balance', { wallet });
    if (BigInt(b.confirmed as number) >= sats) return Number(process.hrtime.bigint() - t0) / 1e6;
    if (Date.now() > deadline) throw new Error(`wallet ${wallet} reached ${b.confirmed} of ${sats} sats in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
