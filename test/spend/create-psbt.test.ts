/**
 * Issue 13 point 6: create_psbt, end to end. A watch-only walletd (imported from a descriptor)
 * funds an unsigned PSBT; an offline walletd holding the same seed signs it with
 * sign_transaction {psbt}; the node finalizes it and accepts it. The node's decodepsbt and
 * analyzepsbt read the unsigned PSBT without errors (next role: signer).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Psbt } from 'bitcoinjs-lib';
import { useRegtestNode } from '../harness/regtest-node.ts';
import { startDaemonProcess } from '../daemon/daemon-process.ts';
import { ok, rpc, startChainDaemon, until, type RunningDaemon } from '../e2e/e2e-helpers.ts';

const ctx = useRegtestNode();

interface Funded { psbt: string; fee: number; feeRate: number; vsize: number; changeIndex: number | null; inputs: string[]; leasedUntil: number }
interface Decoded {
  fee: number;
  inputs: Array<{ witness_utxo?: { amount: number }; bip32_derivs?: Array<{ master_fingerprint: string; path: string }> }>;
  outputs: Array<{ bip32_derivs?: Array<{ master_fingerprint: string; path: string }> }>;
  tx: { vout: Array<{ value: number }> };
}
interface Analyzed { next: string; error?: string; inputs: Array<{ has_utxo: boolean; is_final: boolean; next: string }> }

/** An offline walletd (no chain backend): the signer that never touches the network. */
async function startOfflineSigner(node: typeof ctx.node): Promise<RunningDaemon> {
  const datadir = mkdtempSync(join(tmpdir(), 'walletd-signer-'));
  const d = await startDaemonProcess(datadir, [], { WALLETD_NETWORK: 'regtest', WALLETD_NETWORK_PARAMS: JSON.stringify(node.networkParams) });
  return Object.assign(d, { datadir, adminToken: readFileSync(join(datadir, 'admin.token'), 'utf8').trim() });
}

describe.each(['p2wpkh', 'p2tr'] as const)('%s create_psbt: watch-only funds, offline signer signs, node accepts', (addressType) => {
  let watch: RunningDaemon;
  let signer: RunningDaemon;
  let watchId: string;
  let signerId: string;
  let fingerprint: string;
  const purpose = addressType === 'p2wpkh' ? 84 : 86;

  beforeAll(async () => {
    signer = await startOfflineSigner(ctx.node);
    signerId = (await ok<{ id: string }>(signer, signer.adminToken, 'create_wallet', { name: 'cold', addressType })).id;
    const info = await ok<{ descriptors: { receive: string }; masterFingerprint: string }>(signer, signer.adminToken, 'get_wallet_info', { wallet: signerId });
    fingerprint = info.masterFingerprint;
    watch = await startChainDaemon(ctx.node);
    const tip = await ctx.node.rpc<number>('getblockcount');
    watchId = (await ok<{ id: string; watchOnly: boolean }>(watch, watch.adminToken, 'import_wallet', {
      descriptor: info.descriptors.receive, name: 'watch', birthHeight: tip,
    })).id;
    for (let i = 0; i < 3; i++) {
      const { address } = await ok<{ address: string }>(watch, watch.adminToken, 'generate_address', { wallet: watchId });
      await ctx.node.fund(address, 2_000_000n);
    }
    await ctx.node.mine(1);
    await until(() => ok<{ confirmed: number }>(watch, watch.adminToken, 'get_balance', { wallet: watchId }), (b) => b.confirmed === 6_000_000);
  });
  afterAll(async () => {
    for (const d of [watch, signer]) {
      d?.child.kill('SIGTERM');
      await d?.exited;
      if (d) rmSync(d.datadir, { recursive: true, force: true });
    }
  });

  const leasedOutpoints = async () => (await ok<Array<{ txid: string; vout: number; lockedUntil: number | null }>>(
    watch, watch.adminToken, 'get_unspent_outputs', { wallet: watchId })).filter((c) => c.lockedUntil !== null).map((c) => `${c.txid}:${c.vout}`);

  it('funds a PSBT the node reads, the cold wallet signs and the node accepts', async () => {
    const to = await ctx.node.rpc<string>('getnewaddress');
    const signedByWatch = await rpc(watch, watch.adminToken, 'sign_transaction', { wallet: watchId, outputs: [{ address: to, amount: 1_000 }] });
    expect(signedByWatch.error?.data?.code).toMatch(/WATCH_ONLY|WALLET_LOCKED/);

    const funded = await ok<Funded>(watch, watch.adminToken, 'create_psbt', { wallet: watchId, outputs: [{ address: to, amount: 2_500_000 }], feeRate: 3 });
    expect(funded.inputs.length).toBe(2);
    expect(funded.changeIndex).not.toBeNull();
    expect((await leasedOutpoints()).sort()).toEqual([...funded.inputs].sort());

    // BIP174 / BIP371 fields, as bitcoinjs reads them.
    const parsed = Psbt.fromBase64(funded.psbt);
    for (const input of parsed.data.inputs) {
      expect(input.witnessUtxo).toBeDefined();
      const derivation = addressType === 'p2wpkh' ? input.bip32Derivation : input.tapBip32Derivation;
      expect(Buffer.from(derivation![0]!.masterFingerprint).toString('hex')).toBe(fingerprint);
      expect(derivation![0]!.path).toMatch(new RegExp(`^m/${purpose}'/1'/0'/0/\\d+$`));
      if (addressType === 'p2tr') expect(input.tapInternalKey).toHaveLength(32);
      expect(input.partialSig ?? input.tapKeySig).toBeUndefined();
    }
    const change = parsed.data.outputs[funded.changeIndex!]!;
    const changePath = (addressType === 'p2wpkh' ? change.bip32Derivation : change.tapBip32Derivation)?.[0]?.path;
    expect(changePath).toMatch(new RegExp(`^m/${purpose}'/1'/0'/1/\\d+$`));

    // The node's own reading of the unsigned PSBT.
    const decoded = await ctx.node.rpc<Decoded>('decodepsbt', funded.psbt);
    expect(Math.round(decoded.fee * 1e8)).toBe(funded.fee);
    expect(decoded.inputs.every((i) => i.witness_utxo !== undefined)).toBe(true);
    if (addressType === 'p2wpkh') {
      expect(decoded.inputs.every((i) => i.bip32_derivs?.[0]?.master_fingerprint === fingerprint)).toBe(true);
      expect(decoded.outputs[funded.changeIndex!]?.bip32_derivs?.[0]?.path).toBe(changePath);
    }
    const analyzed = await ctx.node.rpc<Analyzed>('analyzepsbt', funded.psbt);
    expect(analyzed.error).toBeUndefined();
    // A Core 0.21 node (litecoind) predates BIP371: it keeps the tap_* fields as unknown keys and
    // cannot tell who signs a taproot input, so it names itself an updater there; for P2WPKH it
    // reads the BIP32 derivations and hands over to the signer.
    expect(analyzed.next).toBe(addressType === 'p2tr' && ctx.node.kind === 'litecoind' ? 'updater' : 'signer');
    expect(analyzed.inputs.every((i) => i.has_utxo && !i.is_final)).toBe(true);

    const signed = await ok<{ psbt: string; complete: boolean }>(signer, signer.adminToken, 'sign_transaction', { wallet: signerId, psbt: funded.psbt });
    expect(signed.complete).toBe(true);
    const final = await ctx.node.rpc<{ hex: string; complete: boolean }>('finalizepsbt', signed.psbt);
    expect(final.complete).toBe(true);
    const [accept] = await ctx.node.rpc<Array<{ allowed: boolean; 'reject-reason'?: string }>>('testmempoolaccept', [final.hex]);
    expect(accept).toMatchObject({ allowed: true });
    const txid = await ctx.node.rpc<string>('sendrawtransaction', final.hex);
    await until(() => rpc(watch, watch.adminToken, 'get_tx_status', { wallet: watchId, txid }), (a) => a.result !== undefined);
    // Broadcast and seen, its coins are spent: the leases no longer hold anything.
    await until(leasedOutpoints, (l) => l.every((op) => !funded.inputs.includes(op)));
  });

  it('spends exactly the named coin and takes the fee from the output (coin control, subtractFeeFrom)', async () => {
    await ctx.node.mine(1);
    await until(() => ok<{ confirmed: number; unconfirmed: number }>(watch, watch.adminToken, 'get_balance', { wallet: watchId }), (b) => b.unconfirmed === 0);
    const coins = await ok<Array<{ txid: string; vout: number; value: number; spendable: boolean }>>(watch, watch.adminToken, 'get_unspent_outputs', { wallet: watchId });
    const coin = coins.find((c) => c.spendable)!;
    const to = await ctx.node.rpc<string>('getnewaddress');
    const outpoint = `${coin.txid}:${coin.vout}`;
    const ref = { txid: coin.txid, vout: coin.vout };
    const funded = await ok<Funded>(watch, watch.adminToken, 'create_psbt', {
      wallet: watchId, outputs: [{ address: to, amount: coin.value }], feeRate: 2, inputs: [ref], subtractFeeFrom: [0],
    });
    expect(funded.inputs).toEqual([outpoint]);
    expect(funded.changeIndex).toBeNull();
    const decoded = await ctx.node.rpc<Decoded>('decodepsbt', funded.psbt);
    expect(Math.round(decoded.tx.vout[0]!.value * 1e8)).toBe(coin.value - funded.fee);
    expect(funded.feeRate).toBeGreaterThanOrEqual(2);
    // A leased coin cannot be named again until it is released.
    const again = await rpc(watch, watch.adminToken, 'create_psbt', { wallet: watchId, outputs: [{ address: to, amount: 10_000 }], feeRate: 2, inputs: [ref] });
    expect(again.error?.data).toMatchObject({ code: 'INPUT_LEASED', field: 'inputs/0' });

    const signed = await ok<{ psbt: string; hex: string; complete: boolean }>(signer, signer.adminToken, 'sign_transaction', { wallet: signerId, psbt: funded.psbt });
    expect(signed.complete).toBe(true);
    const [accept] = await ctx.node.rpc<Array<{ allowed: boolean }>>('testmempoolaccept', [signed.hex]);
    expect(accept).toMatchObject({ allowed: true });

    // Coins that are not the wallet's, or not spendable yet, are refused by name.
    const stranger = { txid: 'cd'.repeat(32), vout: 0 };
    const refused = await rpc(watch, watch.adminToken, 'create_psbt', { wallet: watchId, outputs: [{ address: to, amount: 10_000 }], feeRate: 2, inputs: [stranger] });
    expect(refused.error?.data).toMatchObject({ code: 'INPUT_NOT_FOUND', field: 'inputs/0' });
    const { address } = await ok<{ address: string }>(watch, watch.adminToken, 'generate_address', { wallet: watchId });
    const [block] = await ctx.node.mine(1, address);
    const coinbase = (await ctx.node.rpc<{ tx: string[] }>('getblock', block)).tx[0]!;
    await until(() => ok<{ immature: number }>(watch, watch.adminToken, 'get_balance', { wallet: watchId }), (b) => b.immature > 0);
    const immature = await rpc(watch, watch.adminToken, 'create_psbt', { wallet: watchId, outputs: [{ address: to, amount: 10_000 }], feeRate: 2, inputs: [{ txid: coinbase, vout: 0 }] });
    expect(immature.error?.data).toMatchObject({ code: 'INPUT_IMMATURE', field: 'inputs/0' });

    // Not broadcast: release_outputs gives the coin back.
    expect(await ok(watch, watch.adminToken, 'release_outputs', { wallet: watchId, outpoints: [outpoint] })).toEqual({ released: 1 });
    expect(await leasedOutpoints()).not.toContain(outpoint);
  });
});
