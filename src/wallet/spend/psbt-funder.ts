/**
 * create_psbt (Core's walletcreatefundedpsbt): a funded, unsigned BIP174 PSBT for any wallet,
 * watch-only included. It is planned and leased by the same path as a send (coin control,
 * subtractFeeFrom, fee caps, weight, anti-fee-sniping locktime, random change position), and
 * carries what an external signer needs: witness UTXOs and BIP32 derivations on every input
 * (BIP371 tap_bip32_derivation and tap_internal_key for P2TR, from tx-builder), and the change
 * output's derivation so a hardware signer recognises it as change.
 */
import { toXOnly, type Psbt } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import type { AddressRecord, WalletRecord } from '../types.ts';
import type { CreatePsbtRequest, CreatePsbtResult } from '../wallet-api.ts';
import type { SpendKit } from './spend-kit.ts';
import { fingerprintBytes, parseAccountXpub, type AccountInfo } from './tx-builder.ts';

/** Random enough to keep two drafts' lease reasons apart. */
const leaseReason = (now: number) => `psbt:${now}:${Math.random().toString(16).slice(2, 10)}`;

/** BIP174 output fields for the wallet's change output: its derivation, so a signer can verify it is change. */
export function annotateChangeOutput(psbt: Psbt, index: number, account: AccountInfo, change: AddressRecord): void {
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

/** Plans, leases and builds the unsigned PSBT; the caller holds the wallet's spend queue. */
export async function createFundedPsbt(kit: SpendKit, wallet: WalletRecord, req: CreatePsbtRequest): Promise<CreatePsbtResult> {
  const recipients = kit.recipients(req.outputs);
  const sffo = req.subtractFeeFrom ?? [];
  sffo.forEach((i, k) => {
    if (!Number.isInteger(i) || i < 0 || i >= recipients.length) fail('INVALID_PARAMS', 'subtractFeeFrom names an output that does not exist', { field: `subtractFeeFrom/${k}` });
    if (sffo.indexOf(i) !== k) fail('INVALID_PARAMS', 'subtractFeeFrom names an output twice', { field: `subtractFeeFrom/${k}` });
  });
  const p = await kit.prepare(wallet, { kind: 'pay', recipients, subtractFeeFrom: sffo }, req);
  const { psbt, expiresAt, change } = await kit.fund(wallet, p, leaseReason(kit.clock.now()));
  if (change && p.changeIndex !== null) annotateChangeOutput(psbt, p.changeIndex, kit.account(wallet), change);
  const fee = Number(p.plan.fee);
  return {
    psbt: psbt.toBase64(), fee, feeRate: fee / p.plan.vsize, feeSource: p.feeSource, vsize: p.plan.vsize,
    changeIndex: p.changeIndex, inputs: p.plan.inputs.map((c) => `${c.txid}:${c.vout}`), leasedUntil: Math.floor(expiresAt / 1000),
  };
}
