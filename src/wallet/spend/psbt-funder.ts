/**
 * create_psbt (Core's walletcreatefundedpsbt): a funded, unsigned BIP174 PSBT for any wallet,
 * watch-only included. It selects and leases coins exactly as a signed draft does, and carries
 * what an external signer needs: witness UTXOs and BIP32 derivations on every input (BIP371
 * tap_bip32_derivation and tap_internal_key for P2TR), and the change output's derivation so
 * a hardware signer recognises it as change.
 */
import { toXOnly, type Psbt } from 'bitcoinjs-lib';
import { fail, isWalletdError } from '../../errors.ts';
import { spendableBuckets } from '../ledger/coin-state.ts';
import type { LedgerCoin } from '../ledger/ledger-types.ts';
import type { AddressRecord, WalletRecord } from '../types.ts';
import type { CreatePsbtRequest, CreatePsbtResult, FundingOptions } from '../wallet-api.ts';
import type { SpendKit } from './spend-kit.ts';
import { selectCoins } from './coin-selection.ts';
import { dustThreshold, estimateVsize, feeForVsize } from './fee-math.ts';
import { buildPsbt, fingerprintBytes, parseAccountXpub, type AccountInfo } from './tx-builder.ts';

/** What the funder uses of the engine. */
export type FundKit = Pick<SpendKit, 'store' | 'clock' | 'settings' | 'feeRate' | 'changeAddress' | 'account' | 'recipients' | 'spendableCoins'>;

/** A funding plan: the coins, the output values (after any subtraction) and the change. */
interface Plan {
  inputs: LedgerCoin[];
  values: bigint[];
  change: bigint;
  fee: bigint;
  vsize: number;
}

/**
 * The coins named by coin control: each must be the wallet's, live, spendable now (mature;
 * confirmed or the wallet's own change) and not leased.
 */
export async function resolveInputs(kit: Pick<FundKit, 'store' | 'clock' | 'settings'>, walletId: string, outpoints: readonly string[]): Promise<LedgerCoin[]> {
  const wanted = outpoints.map((o) => o.toLowerCase());
  if (new Set(wanted).size !== wanted.length) fail('INVALID_PARAMS', 'inputs name a coin twice', { field: 'inputs' });
  const [coins, leases] = await Promise.all([kit.store.getCoins(walletId, wanted), kit.store.listLeases(walletId, kit.clock.now())]);
  const leased = new Set(leases.map((l) => `${l.txid}:${l.vout}`));
  const buckets = spendableBuckets(kit.settings.spendZeroConfChange);
  return wanted.map((op, i) => {
    const coin = coins.get(op) ?? fail('INVALID_PARAMS', 'input is not a coin of this wallet', { field: `inputs/${i}`, outpoint: op });
    if (coin.bucket === 'immature') fail('INVALID_PARAMS', 'input is an immature coinbase output', { field: `inputs/${i}`, outpoint: op });
    if (!buckets.includes(coin.bucket)) fail('INVALID_PARAMS', `input is not spendable (${coin.bucket})`, { field: `inputs/${i}`, outpoint: op });
    if (leased.has(op)) fail('INVALID_PARAMS', 'input is leased by another draft', { field: `inputs/${i}`, outpoint: op });
    return coin;
  });
}

/** Spends every coin of `coins`: change when above dust, else the excess goes to the fee. */
function planAll(coins: LedgerCoin[], pay: readonly { script: string; value: bigint }[], vsizeOf: (n: number, change: boolean) => number, rate: number, changeDust: bigint): Plan {
  const available = coins.reduce((s, c) => s + c.value, 0n);
  const total = pay.reduce((s, o) => s + o.value, 0n);
  const values = pay.map((o) => o.value);
  const withChange = feeForVsize(vsizeOf(coins.length, true), rate);
  if (available - total - withChange >= changeDust) {
    return { inputs: coins, values, change: available - total - withChange, fee: withChange, vsize: vsizeOf(coins.length, true) };
  }
  const without = feeForVsize(vsizeOf(coins.length, false), rate);
  if (available - total < without) fail('INSUFFICIENT_FUNDS', undefined, { needed: Number(total + without), available: Number(available) });
  return { inputs: coins, values, change: 0n, fee: available - total, vsize: vsizeOf(coins.length, false) };
}

/**
 * The recipients at `subtract` pay the fee, split equally (the first pays the remainder), as
 * Core's subtractfeefromoutputs; each must stay above dust.
 */
function planSubtracting(
  coins: LedgerCoin[], pay: readonly { script: string; value: bigint }[], subtract: readonly number[],
  vsizeOf: (n: number, change: boolean) => number, rate: number, changeDust: bigint,
): Plan {
  const available = coins.reduce((s, c) => s + c.value, 0n);
  const total = pay.reduce((s, o) => s + o.value, 0n);
  if (available < total) fail('INSUFFICIENT_FUNDS', undefined, { needed: Number(total), available: Number(available) });
  const hasChange = available - total >= changeDust;
  const vsize = vsizeOf(coins.length, hasChange);
  const fee = feeForVsize(vsize, rate);
  // Without change, what the coins carry beyond the payments already pays part of the fee.
  const owed = hasChange ? fee : fee > available - total ? fee - (available - total) : 0n;
  const share = owed / BigInt(subtract.length);
  const values = pay.map((o) => o.value);
  subtract.forEach((index, k) => {
    values[index] = values[index]! - share - (k === 0 ? owed % BigInt(subtract.length) : 0n);
    const dust = dustThreshold(pay[index]!.script);
    if (values[index]! < dust) fail('DUST_OUTPUT', 'the fee would leave this output below the dust limit', { field: `outputs/${index}/amount`, dustLimit: Number(dust) });
  });
  return { inputs: coins, values, change: hasChange ? available - total : 0n, fee: hasChange ? fee : available - values.reduce((s, v) => s + v, 0n), vsize };
}

/** Chooses coins for `pay` under the funding options. */
async function plan(
  kit: FundKit, wallet: WalletRecord, pay: Array<{ script: string; value: bigint }>, rate: number, change: AddressRecord, opts: FundingOptions,
): Promise<Plan> {
  const vsizeOf = (n: number, withChange: boolean) => estimateVsize({
    inputTypes: Array(n).fill(wallet.addressType), outputScripts: [...pay.map((o) => o.script), ...(withChange ? [change.script] : [])],
  });
  const changeDust = dustThreshold(change.script);
  const subtract = opts.subtractFeeFrom ?? [];
  subtract.forEach((i, k) => {
    if (!Number.isInteger(i) || i < 0 || i >= pay.length || subtract.indexOf(i) !== k) fail('INVALID_PARAMS', 'subtractFeeFrom names an output index twice or out of range', { field: `subtractFeeFrom/${k}` });
  });
  const total = pay.reduce((s, o) => s + o.value, 0n);
  let coins: LedgerCoin[];
  if (opts.inputs && opts.inputs.length > 0) {
    coins = await resolveInputs(kit, wallet.id, opts.inputs);
  } else if (subtract.length > 0) {
    // The payments carry the fee, so the coins need cover only the amounts: largest first.
    coins = [];
    let sum = 0n;
    for (const c of [...(await kit.spendableCoins(wallet.id, total, true))].sort((a, b) => (a.value === b.value ? 0 : a.value > b.value ? -1 : 1))) {
      if (sum >= total) break;
      coins.push(c);
      sum += c.value;
    }
  } else {
    const select = (candidates: LedgerCoin[]) => selectCoins({ utxos: candidates, recipients: pay, feeRate: rate, inputType: wallet.addressType, changeScript: change.script });
    let selection: ReturnType<typeof select>;
    try {
      selection = select(await kit.spendableCoins(wallet.id, total, false));
    } catch (err) {
      // The bounded candidate set could not pay; a wallet of many small coins may still.
      if (!isWalletdError(err, 'INSUFFICIENT_FUNDS')) throw err;
      selection = select(await kit.spendableCoins(wallet.id, total, true));
    }
    return { inputs: selection.inputs, values: pay.map((o) => o.value), change: selection.change, fee: selection.fee, vsize: selection.vsize };
  }
  return subtract.length > 0 ? planSubtracting(coins, pay, subtract, vsizeOf, rate, changeDust) : planAll(coins, pay, vsizeOf, rate, changeDust);
}

/** BIP174 output fields for the wallet's change output: its derivation, so a signer can verify it is change. */
function annotateChange(psbt: Psbt, index: number, account: AccountInfo, change: AddressRecord): void {
  const node = parseAccountXpub(account.accountXpub, account.network).derive(change.chain).derive(change.index);
  const masterFingerprint = fingerprintBytes(account.masterFingerprint);
  const path = `${account.accountPath.replace(/\/+$/, '')}/${change.chain}/${change.index}`;
  if (account.addressType === 'p2wpkh') {
    psbt.updateOutput(index, { bip32Derivation: [{ masterFingerprint, path, pubkey: node.publicKey }] });
  } else {
    const xOnly = toXOnly(node.publicKey);
    psbt.updateOutput(index, { tapInternalKey: xOnly, tapBip32Derivation: [{ masterFingerprint, path, pubkey: xOnly, leafHashes: [] }] });
  }
}

/** Funds, leases and builds the unsigned PSBT; the caller holds the wallet's spend queue. */
export async function createFundedPsbt(kit: FundKit, wallet: WalletRecord, req: CreatePsbtRequest): Promise<CreatePsbtResult> {
  const recipients = kit.recipients(req.outputs);
  const rate = await kit.feeRate(req);
  const change = await kit.changeAddress(wallet);
  const funded = await plan(kit, wallet, recipients, rate, change, req);
  const { settings, store, clock } = kit;
  if (funded.fee > BigInt(settings.maxFeeSats)) fail('FEE_TOO_HIGH', undefined, { fee: Number(funded.fee), maxFeeSats: settings.maxFeeSats });
  const outputs = recipients.map((r, i) => ({ script: r.script, value: funded.values[i]! }));
  if (funded.change > 0n) outputs.push({ script: change.script, value: funded.change });
  const account = kit.account(wallet);
  const psbt = buildPsbt({ ...account, inputs: funded.inputs, outputs });
  const changeIndex = funded.change > 0n ? outputs.length - 1 : null;
  if (changeIndex !== null) annotateChange(psbt, changeIndex, account, change);
  const reason = `psbt:${psbt.txInputs.length}:${clock.now()}:${Math.random().toString(16).slice(2, 10)}`;
  const expiresAt = clock.now() + settings.leaseSeconds * 1000;
  const leased = await store.insertLeases(funded.inputs.map((c) => ({ walletId: wallet.id, txid: c.txid, vout: c.vout, expiresAt, reason })), clock.now());
  if (!leased) fail('INSUFFICIENT_FUNDS', 'coins were taken by a concurrent request; retry');
  return {
    psbt: psbt.toBase64(), fee: Number(funded.fee), feeRate: Number(funded.fee) / funded.vsize, vsize: funded.vsize,
    changeIndex, inputs: funded.inputs.map((c) => `${c.txid}:${c.vout}`), leasedUntil: Math.floor(expiresAt / 1000),
  };
}
