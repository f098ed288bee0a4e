/**
 * Builds unsigned BIP174 PSBTs for the wallet's own coins, carrying the derivation data an
 * external or watch-only signer needs (BIP174 bip32Derivation, BIP371 tapBip32Derivation).
 */
import * as ecc from 'tiny-secp256k1';
import { BIP32Factory, type BIP32Interface } from 'bip32';
import { initEccLib, Psbt, payments, toXOnly, Transaction } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import { toScriptBytes } from './fee-math.ts';
import { compactSize } from '../secrets/sighash.ts';
import type { AddressType, ChainIndex, Network } from '../types.ts';

initEccLib(ecc);
const bip32 = BIP32Factory(ecc);

/** BIP-125: any nSequence below 0xfffffffe signals replaceability; 0xfffffffd also keeps locktime enforced. */
export const RBF_SEQUENCE = 0xfffffffd;

/** A wallet coin to spend, with the derivation of the key that controls it. */
export interface WalletInput {
  txid: string;
  vout: number;
  value: bigint;
  /** Hex scriptPubKey of the coin. */
  script: string;
  chain: ChainIndex;
  index: number;
}

/** One output of the transaction. */
export interface TxOutputSpec {
  script: string | Uint8Array;
  value: bigint;
}

/** Whose coins these are: the account's public key and where it sits under the master key. */
export interface AccountInfo {
  network: Network;
  addressType: AddressType;
  /** Account-level xpub (m/84'/c'/0' or m/86'/c'/0'), in the network's version bytes. */
  accountXpub: string;
  /** 8 hex chars. */
  masterFingerprint: string;
  /** e.g. m/84'/1'/0'. */
  accountPath: string;
}

/** Everything buildPsbt needs. */
export interface BuildPsbtRequest extends AccountInfo {
  inputs: readonly WalletInput[];
  outputs: readonly TxOutputSpec[];
  /** Defaults to 0. */
  locktime?: number;
}

/** The scriptPubKey a wallet key pays to, for its address type (BIP84 P2WPKH or BIP86 P2TR). */
export function scriptForKey(pubkey: Uint8Array, addressType: AddressType): Uint8Array {
  const out =
    addressType === 'p2wpkh' ? payments.p2wpkh({ pubkey }).output : payments.p2tr({ internalPubkey: toXOnly(pubkey) }).output;
  if (!out) throw new Error('cannot derive script');
  return out;
}

/** Parses an account xpub for `network`, failing INVALID_PARAMS on garbage. */
export function parseAccountXpub(accountXpub: string, network: Network): BIP32Interface {
  try {
    return bip32.fromBase58(accountXpub, network.params);
  } catch {
    return fail('INVALID_PARAMS', 'account xpub does not parse for this network');
  }
}

/** The 4 bytes of an 8-hex-char master key fingerprint. */
export function fingerprintBytes(masterFingerprint: string): Uint8Array {
  if (!/^[0-9a-fA-F]{8}$/.test(masterFingerprint)) fail('INVALID_PARAMS', 'masterFingerprint must be 8 hex chars');
  return Uint8Array.from(Buffer.from(masterFingerprint, 'hex'));
}

/**
 * The wallet's key for `chain/index`, its script, and the PSBT input fields that tell a signer
 * (this wallet, or a hardware or coordinator wallet) which key signs it.
 */
function derivationFields(
  account: BIP32Interface,
  fingerprint: Uint8Array,
  accountPath: string,
  addressType: AddressType,
  chain: number,
  index: number,
  chainNodes?: Map<number, BIP32Interface>,
) {
  // A caller deriving many inputs passes `chainNodes`, so each chain node is derived once.
  const chainNode = chainNodes?.get(chain) ?? account.derive(chain);
  chainNodes?.set(chain, chainNode);
  const child = chainNode.derive(index);
  const script = scriptForKey(child.publicKey, addressType);
  const path = `${accountPath}/${chain}/${index}`;
  if (addressType === 'p2wpkh') {
    return { script, fields: { bip32Derivation: [{ masterFingerprint: fingerprint, path, pubkey: child.publicKey }] } };
  }
  const xOnly = toXOnly(child.publicKey);
  // BIP-371: key-path only (BIP86), so the derivation has no leaf hashes.
  return {
    script,
    fields: { tapInternalKey: xOnly, tapBip32Derivation: [{ masterFingerprint: fingerprint, path, pubkey: xOnly, leafHashes: [] }] },
  };
}

/**
 * The bytes of a BIP174 PSBT holding `tx` as its unsigned transaction and an empty map for each
 * input and output: magic, the global map's one key (0x00 = PSBT_GLOBAL_UNSIGNED_TX), separators.
 */
function bareUnsignedPsbt(tx: Transaction): Uint8Array {
  const txBytes = tx.toBuffer();
  return Buffer.concat([
    Buffer.from('psbt\xff', 'latin1'),
    Buffer.from([0x01, 0x00]), compactSize(txBytes.length), txBytes, Buffer.from([0x00]),
    Buffer.alloc(tx.ins.length + tx.outs.length, 0x00),
  ]);
}

/**
 * An unsigned version-2 PSBT spending `inputs` to `outputs`, every input RBF-signalling, with
 * witnessUtxo and key derivation data. Throws INVALID_PARAMS when an input's script is not the
 * one its chain/index derives to, so a bad database row never becomes an unsignable PSBT.
 *
 * Linear time: bitcoinjs's `Psbt.addInput` re-checks every earlier input on each call (O(n²),
 * 2.3 s for 400 inputs), so the unsigned transaction is built first, parsed into a PSBT in one
 * step, and each input then gets its fields with `updateInput`, which touches that input only.
 */
export function buildPsbt(req: BuildPsbtRequest): Psbt {
  if (req.inputs.length === 0) fail('INVALID_PARAMS', 'a transaction needs at least one input');
  if (req.outputs.length === 0) fail('INVALID_PARAMS', 'a transaction needs at least one output');
  const account = parseAccountXpub(req.accountXpub, req.network);
  const fingerprint = fingerprintBytes(req.masterFingerprint);
  const accountPath = req.accountPath.replace(/\/+$/, '');
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = req.locktime ?? 0;
  const chainNodes = new Map<number, BIP32Interface>();
  const updates = req.inputs.map((input) => {
    const { script, fields } = derivationFields(account, fingerprint, accountPath, req.addressType, input.chain, input.index, chainNodes);
    if (Buffer.from(script).toString('hex') !== input.script.toLowerCase()) {
      fail('INVALID_PARAMS', 'input script does not match its derivation', { txid: input.txid, vout: input.vout });
    }
    if (!/^[0-9a-fA-F]{64}$/.test(input.txid)) fail('INVALID_PARAMS', 'input txid must be 64 hex characters');
    // BIP-125: signal replaceability with nSequence < 0xfffffffe.
    tx.addInput(Buffer.from(input.txid, 'hex').reverse(), input.vout, RBF_SEQUENCE);
    return { witnessUtxo: { script, value: input.value }, ...fields };
  });
  for (const output of req.outputs) {
    if (output.value < 0n) fail('INVALID_PARAMS', 'output value must not be negative');
    tx.addOutput(toScriptBytes(output.script), output.value);
  }
  // fromBuffer also refuses a duplicate outpoint, as addInput did ('Duplicate input detected.').
  const psbt = Psbt.fromBuffer(bareUnsignedPsbt(tx), { network: req.network.params });
  updates.forEach((update, i) => psbt.updateInput(i, update));
  return psbt;
}

/**
 * BIP174 updater role: for inputs of a caller's PSBT that spend the wallet's own coins, adds the
 * `witnessUtxo` and derivation fields a signer needs, so a coordinator that knows only the
 * outpoints (e.g. a bare `createpsbt`) still gets them signed. An input whose `witnessUtxo`
 * disagrees with the wallet's record of that coin is left alone. Returns how many it updated.
 */
export function annotateWalletInputs(
  psbt: Psbt,
  req: AccountInfo & { coins: ReadonlyMap<string, { script: string; value: bigint; chain: number; index: number }> },
): number {
  const account = parseAccountXpub(req.accountXpub, req.network);
  const fingerprint = fingerprintBytes(req.masterFingerprint);
  const accountPath = req.accountPath.replace(/\/+$/, '');
  let updated = 0;
  psbt.txInputs.forEach((txIn, i) => {
    const coin = req.coins.get(`${Buffer.from(txIn.hash).reverse().toString('hex')}:${txIn.index}`);
    const input = psbt.data.inputs[i]!;
    if (!coin) return;
    const known = input.witnessUtxo;
    if (known && (Buffer.from(known.script).toString('hex') !== coin.script || known.value !== coin.value)) return;
    const { script, fields } = derivationFields(account, fingerprint, accountPath, req.addressType, coin.chain, coin.index);
    const update = {
      ...(known ? {} : { witnessUtxo: { script, value: coin.value } }),
      ...(input.bip32Derivation?.length || input.tapBip32Derivation?.length ? {} : fields),
    };
    if (Object.keys(update).length === 0) return;
    psbt.updateInput(i, update);
    updated += 1;
  });
  return updated;
}
