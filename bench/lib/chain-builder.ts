/**
 * Builds a busy regtest chain for the sync scenario: `blocks` blocks that together hold
 * `walletTxs` payments to the wallet's addresses among `otherTxs` unrelated spends, signed
 * locally (bitcoinjs) and accepted by the node's mempool before each block is mined.
 */
import { BitcoindRpc } from '../../src/chain/bitcoind-rpc.ts';
import { randomP2wpkh, type TestKey } from '../../test/harness/p2wpkh-key.ts';
import type { RegtestNode } from '../../test/harness/regtest-node.ts';
import { address as baddress, payments, script as bscript, Transaction } from 'bitcoinjs-lib';
import { fundOutputs } from './funding.ts';

interface Coin {
  txid: string;
  vout: number;
  value: bigint;
}

const FEE = 2_000n;

/**
 * Signs a 1-in-1-out P2WPKH spend with the BIP143 sighash directly: the harness's Psbt-based
 * signSpend costs ~40 ms a transaction here, too slow for 20,000 of them.
 */
function fastSpend(from: TestKey, prev: Coin, toScript: string): { hex: string; txid: string } {
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(Buffer.from(prev.txid, 'hex').reverse(), prev.vout, 0xfffffffd);
  tx.addOutput(Buffer.from(toScript, 'hex'), prev.value - FEE);
  // BIP143: the scriptCode of a P2WPKH input is the P2PKH script of its key hash.
  const scriptCode = payments.p2pkh({ pubkey: from.key.publicKey }).output!;
  const hash = tx.hashForWitnessV0(0, scriptCode, prev.value, Transaction.SIGHASH_ALL);
  const sig = bscript.signature.encode(from.key.sign(hash), Transaction.SIGHASH_ALL);
  tx.setWitness(0, [sig, from.key.publicKey]);
  return { hex: tx.toHex(), txid: tx.getId() };
}

/** What was built: the wallet payments' total, and the height range. */
export interface BuiltChain {
  walletSats: bigint;
  fromHeight: number;
  tipHeight: number;
  /** Where the build's time went (ms): local signing, mempool submission, mining. */
  spent: { signMs: number; sendMs: number; mineMs: number };
}

/** Mines `blocks` blocks carrying `walletTxs` payments to `walletAddrs` and `otherTxs` others. */
export async function buildBusyChain(node: RegtestNode, walletAddrs: string[], blocks: number, walletTxs: number, otherTxs: number): Promise<BuiltChain> {
  const rpc = new BitcoindRpc({ url: node.url, user: node.user, password: node.password, timeoutMs: 120_000 });
  const key = randomP2wpkh(node.networkParams);
  const perBlock = Math.ceil(otherTxs / blocks);
  // Unrelated spends recycle their coin next block; each wallet payment uses one up for good.
  const pool = perBlock * 2 + walletTxs + 10;
  const start = 1_000_000n;
  // A pool of coins of our own key; each block spends some and the others come back next block.
  const fund = await fundOutputs(node, [key.address], pool, start);
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
  const spent = { signMs: 0, sendMs: 0, mineMs: 0 };
  const clock = () => Number(process.hrtime.bigint()) / 1e6;
  for (let b = 0; b < blocks; b++) {
    let c0 = clock();
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
      const signed = fastSpend(key, coin, toScript);
      hexes.push(signed.hex);
      if (toWallet) {
        walletSats += coin.value - FEE;
        walletLeft--;
      } else {
        next.push({ txid: signed.txid, vout: 0, value: coin.value - FEE });
        otherLeft--;
      }
    }
    spent.signMs += clock() - c0;
    c0 = clock();
    if (hexes.length) await rpc.batchStrict(hexes.map((h) => ({ method: 'sendrawtransaction', params: [h] })));
    spent.sendMs += clock() - c0;
    c0 = clock();
    await node.mine(1);
    spent.mineMs += clock() - c0;
    coins.push(...next);
  }
  return { walletSats, fromHeight, tipHeight: await rpc.call<number>('getblockcount'), spent };
}
