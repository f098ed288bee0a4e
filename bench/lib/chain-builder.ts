/**
 * Builds a busy regtest chain for the sync scenario: `blocks` blocks that together hold
 * `walletTxs` payments to the wallet's addresses among `otherTxs` unrelated spends, signed
 * locally (bitcoinjs) and accepted by the node's mempool before each block is mined.
 */
import { BitcoindRpc } from '../../src/chain/bitcoind-rpc.ts';
import { randomP2wpkh, signSpend } from '../../test/harness/p2wpkh-key.ts';
import type { RegtestNode } from '../../test/harness/regtest-node.ts';
import { address as baddress } from 'bitcoinjs-lib';
import { fundOutputs } from './funding.ts';

interface Coin {
  txid: string;
  vout: number;
  value: bigint;
}

const FEE = 2_000n;

/** What was built: the wallet payments' total, and the height range. */
export interface BuiltChain {
  walletSats: bigint;
  fromHeight: number;
  tipHeight: number;
}

/** Mines `blocks` blocks carrying `walletTxs` payments to `walletAddrs` and `otherTxs` others. */
export async function buildBusyChain(node: RegtestNode, walletAddrs: string[], blocks: number, walletTxs: number, otherTxs: number): Promise<BuiltChain> {
  const rpc = new BitcoindRpc({ url: node.url, user: node.user, password: node.password, timeoutMs: 120_000 });
  const key = randomP2wpkh(node.networkParams);
  const perBlock = Math.ceil(otherTxs / blocks);
  const pool = perBlock + 2;
  const start = 1_000_000n;
  // A pool of coins of our own key; each block spends some and the others come back next block.
  const fund = await fundOutputs(node, [key.address], pool * 2, start);
  const coins: Coin[] = [];
  for (const txid of fund) {
    const tx = await node.rpc<{ vout: Array<{ n: number; scriptPubKey: { hex: string } }> }>('getrawtransaction', txid, true);
    for (const o of tx.vout) if (o.scriptPubKey.hex === key.script) coins.push({ txid, vout: o.n, value: start });
  }
  const walletScripts = walletAddrs.map((a) => Buffer.from(baddress.toOutputScript(a, node.networkParams)).toString('hex'));
  const fromHeight = (await rpc.call<number>('getblockcount')) + 1;
  let walletSats = 0n;
  let walletLeft = walletTxs;
  let otherLeft = otherTxs;
  for (let b = 0; b < blocks; b++) {
    const wantWallet = Math.round(((b + 1) * walletTxs) / blocks) - (walletTxs - walletLeft);
    const wantOther = Math.min(otherLeft, perBlock);
    const hexes: string[] = [];
    const next: Coin[] = [];
    for (let i = 0; i < wantOther + wantWallet; i++) {
      let coin = coins.shift();
      if (!coin || coin.value < 50_000n) {
        // Coins run low after many spends: refill the pool from the node wallet.
        const txid = (await fundOutputs(node, [key.address], 1, start, 1))[0]!;
        const tx = await node.rpc<{ vout: Array<{ n: number; scriptPubKey: { hex: string } }> }>('getrawtransaction', txid, true);
        coin = { txid, vout: tx.vout.find((o) => o.scriptPubKey.hex === key.script)!.n, value: start };
      }
      const toWallet = i >= wantOther;
      const toScript = toWallet ? walletScripts[(walletTxs - walletLeft) % walletScripts.length]! : key.script;
      const signed = signSpend({ from: key, prev: coin, toScript, fee: FEE, network: node.networkParams });
      hexes.push(signed.hex);
      if (toWallet) {
        walletSats += coin.value - FEE;
        walletLeft--;
      } else {
        next.push({ txid: signed.txid, vout: 0, value: coin.value - FEE });
        otherLeft--;
      }
    }
    if (hexes.length) await rpc.batchStrict(hexes.map((h) => ({ method: 'sendrawtransaction', params: [h] })));
    await node.mine(1);
    coins.push(...next);
  }
  return { walletSats, fromHeight, tipHeight: await rpc.call<number>('getblockcount') };
}
