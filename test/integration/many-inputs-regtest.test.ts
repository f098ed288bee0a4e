/**
 * A 300-input transaction built and signed by the linear-time PSBT path (tx-builder.ts,
 * psbt-signer.ts, sighash.ts) is accepted by a real regtest node, for BIP84 and BIP86 keys.
 */
import { describe, expect, it } from 'vitest';
import { payments } from 'bitcoinjs-lib';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { buildPsbt, type WalletInput } from '../../src/wallet/spend/tx-builder.ts';
import { finalizePsbt, signPsbt } from '../../src/wallet/secrets/psbt-signer.ts';
import type { Network } from '../../src/wallet/types.ts';
import { testWallet } from '../wallet/tx-fixtures.ts';

const ctx = useRegtestNode();
const INPUTS = 300;
const COIN_SATS = 20_000n;

interface VerboseTx {
  vout: Array<{ n: number; value: number; scriptPubKey: { hex: string } }>;
}

describe.each(['p2wpkh', 'p2tr'] as const)('%s many-input spend', (addressType) => {
  it(`is built, signed and accepted by the node with ${INPUTS} inputs`, async () => {
    const node = ctx.node;
    const network: Network = { name: 'regtest', params: node.networkParams, coinType: 1 };
    const w = testWallet(addressType, addressType === 'p2wpkh' ? 41 : 42);
    const scripts = Array.from({ length: INPUTS }, (_, i) => w.scriptAt((i % 2) as 0 | 1, i));
    const addressOf = (script: string) => payments[addressType]({ output: Buffer.from(script, 'hex'), network: node.networkParams }).address!;
    // One sendmany funds every coin; one block confirms them.
    const amounts = Object.fromEntries(scripts.map((s) => [addressOf(s), Number(COIN_SATS) / 1e8]));
    const fundingTxid = await node.rpc<string>('sendmany', '', amounts);
    await node.mine(1);
    const funding = await node.rpc<VerboseTx>('getrawtransaction', fundingTxid, true);
    const inputs: WalletInput[] = scripts.map((script, i) => {
      const out = funding.vout.find((o) => o.scriptPubKey.hex === script)!;
      expect(out).toBeDefined();
      return { txid: fundingTxid, vout: out.n, value: COIN_SATS, script, chain: (i % 2) as 0 | 1, index: i };
    });

    const to = await node.rpc<string>('getnewaddress', '', 'bech32');
    const toScript = payments.p2wpkh({ address: to, network: node.networkParams }).output!;
    const fee = 120_000n; // about 6 sat/vB for either input type
    const psbt = buildPsbt({ ...w.account, network, inputs, outputs: [{ script: toScript, value: COIN_SATS * BigInt(INPUTS) - fee }] });
    expect(signPsbt(psbt, w.signer)).toEqual({ signed: INPUTS });
    const { complete, hex } = finalizePsbt(psbt);
    expect(complete).toBe(true);
    const [verdict] = await node.rpc<Array<{ allowed: boolean; 'reject-reason'?: string }>>('testmempoolaccept', [hex]);
    expect(verdict).toMatchObject({ allowed: true });
    const txid = await node.rpc<string>('sendrawtransaction', hex);
    await node.mine(1);
    const mined = await node.rpc<{ confirmations?: number }>('getrawtransaction', txid, true);
    expect(mined.confirmations).toBe(1);
  }, 180_000);
});
