/** Node-side helpers for replacement tests: the node's wallet spends a walletd payment in a child. */
import type { RegtestNode } from '../harness/regtest-node.ts';

/** The vout of `txid` paying `address`, read from the node. */
export async function voutPaying(node: RegtestNode, txid: string, address: string): Promise<{ vout: number; sats: number }> {
  const tx = await node.rpc<{ vout: Array<{ n: number; value: number; scriptPubKey: { address?: string; addresses?: string[] } }> }>(
    'getrawtransaction', txid, true);
  const out = tx.vout.find((o) => o.scriptPubKey.address === address || o.scriptPubKey.addresses?.includes(address));
  if (!out) throw new Error(`${txid} pays nothing to ${address}`);
  return { vout: out.n, sats: Math.round(out.value * 1e8) };
}

/**
 * The node's wallet spends its output `txid:vout` (worth `sats`) in a child paying `fee` sats,
 * the payee's CPFP that makes a later replacement of the parent expensive (BIP125 rule 3).
 */
export async function spendInChild(node: RegtestNode, txid: string, vout: number, sats: number, fee: number): Promise<string> {
  const to = await node.rpc<string>('getnewaddress');
  const raw = await node.rpc<string>('createrawtransaction', [{ txid, vout }], [{ [to]: (sats - fee) / 1e8 }]);
  const signed = await node.rpc<{ hex: string; complete: boolean }>('signrawtransactionwithwallet', raw);
  if (!signed.complete) throw new Error('node could not sign the child');
  return node.rpc<string>('sendrawtransaction', signed.hex);
}
