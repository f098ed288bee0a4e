/**
 * HD key derivation: BIP-84 (P2WPKH) and BIP-86 (P2TR key-path) accounts from a BIP-32 seed,
 * and public-only address derivation from an account xpub so watch-only wallets work.
 */
import { BIP32Factory, type BIP32API, type BIP32Interface } from 'bip32';
import { initEccLib, payments } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { fail } from '../../errors.ts';
import { toBitcoinjsNetwork } from './networks.ts';
import type { AddressType, ChainIndex, Network } from '../types.ts';

initEccLib(ecc);

/** The bip32 factory bound to tiny-secp256k1, shared by the wallet core. */
export const bip32: BIP32API = BIP32Factory(ecc);

/** One derived address: its text, hex scriptPubKey, full path and compressed public key. */
export interface DerivedAddress {
  address: string;
  /** Hex scriptPubKey. */
  script: string;
  /** Path from the master key, e.g. m/84'/1'/0'/0/5. */
  path: string;
  /** 33-byte compressed public key (the BIP-86 internal key is its x coordinate). */
  publicKey: Uint8Array;
}

/** BIP-32: indexes at or above 2^31 are hardened and cannot be derived from an xpub. */
const MAX_UNHARDENED = 0x7fffffff;

function purpose(addressType: AddressType): 84 | 86 {
  // BIP-84 purpose 84' for P2WPKH; BIP-86 purpose 86' for single-key P2TR.
  return addressType === 'p2tr' ? 86 : 84;
}

/** The account path, `m/84'/<coin>'/0'` (BIP-84) or `m/86'/<coin>'/0'` (BIP-86). */
export function accountPath(addressType: AddressType, network: Network): string {
  return `m/${purpose(addressType)}'/${network.coinType}'/0'`;
}

/** Lower-case hex of a byte array. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function zero(node: BIP32Interface): void {
  // bip32 returns its internal private-key buffer, so filling it wipes the node's key.
  node.privateKey?.fill(0);
}

/** The account xpub (network version bytes) and the 8-hex master fingerprint for a seed. */
export function deriveAccount(
  seed: Uint8Array,
  addressType: AddressType,
  network: Network,
): { accountXpub: string; masterFingerprint: string } {
  const root = bip32.fromSeed(seed, toBitcoinjsNetwork(network));
  const account = root.derivePath(accountPath(addressType, network));
  try {
    return { accountXpub: account.neutered().toBase58(), masterFingerprint: toHex(root.fingerprint) };
  } finally {
    zero(account);
    zero(root);
  }
}

/**
 * The account-level private node, for signing. The caller derives `/chain/index` from it and,
 * when done, wipes every node it holds with `node.privateKey?.fill(0)` (child nodes too).
 */
export function deriveAccountSigner(seed: Uint8Array, addressType: AddressType, network: Network): BIP32Interface {
  const root = bip32.fromSeed(seed, toBitcoinjsNetwork(network));
  try {
    return root.derivePath(accountPath(addressType, network));
  } finally {
    zero(root);
  }
}

/** The scriptPubKey and address paying to `publicKey` for the wallet's address type. */
export function scriptForPublicKey(
  publicKey: Uint8Array,
  addressType: AddressType,
  network: Network,
): { address: string; output: Uint8Array } {
  const net = toBitcoinjsNetwork(network);
  // BIP-86: the x-only internal key is tweaked with an empty script tree (no script path).
  const payment =
    addressType === 'p2tr'
      ? payments.p2tr({ internalPubkey: publicKey.subarray(1, 33), network: net })
      : payments.p2wpkh({ pubkey: publicKey, network: net });
  if (payment.address === undefined || payment.output === undefined) fail('INTERNAL', 'address derivation failed');
  return { address: payment.address, output: payment.output };
}

// Parsing an xpub and deriving its chain node costs far more than one child step, and sync
// asks for thousands of addresses per wallet; keep recent chain nodes (public data only).
const CHAIN_CACHE_LIMIT = 128;
const chainCache = new Map<string, BIP32Interface>();

function chainNode(accountXpub: string, network: Network, chain: ChainIndex): BIP32Interface {
  const key = `${network.params.bip32.public}:${accountXpub}:${chain}`;
  const cached = chainCache.get(key);
  if (cached !== undefined) return cached;
  let account: BIP32Interface;
  try {
    account = bip32.fromBase58(accountXpub, toBitcoinjsNetwork(network));
  } catch {
    // Never echo the input: a mistaken caller may have passed an xprv.
    fail('INVALID_PARAMS', 'accountXpub is not an extended public key for this network');
  }
  if (!account.isNeutered()) {
    zero(account);
    fail('INVALID_PARAMS', 'accountXpub must be an extended public key');
  }
  const node = account.derive(chain);
  if (chainCache.size >= CHAIN_CACHE_LIMIT) {
    const oldest = chainCache.keys().next().value;
    if (oldest !== undefined) chainCache.delete(oldest);
  }
  chainCache.set(key, node);
  return node;
}

function checkRange(chain: number, index: number): void {
  if (chain !== 0 && chain !== 1) fail('INVALID_PARAMS', 'chain must be 0 (receive) or 1 (change)');
  if (!Number.isInteger(index) || index < 0 || index > MAX_UNHARDENED) {
    fail('INVALID_PARAMS', 'address index must be an integer in [0, 2^31)');
  }
}

function addressAt(node: BIP32Interface, base: string, addressType: AddressType, network: Network, chain: ChainIndex, index: number): DerivedAddress {
  const child = node.derive(index);
  const { address, output } = scriptForPublicKey(child.publicKey, addressType, network);
  return { address, script: toHex(output), path: `${base}/${chain}/${index}`, publicKey: child.publicKey };
}

/** The address at `chain/index` below an account xpub, by public derivation only. */
export function deriveAddress(
  accountXpub: string,
  addressType: AddressType,
  network: Network,
  chain: ChainIndex,
  index: number,
): DerivedAddress {
  checkRange(chain, index);
  const node = chainNode(accountXpub, network, chain);
  return addressAt(node, accountPath(addressType, network), addressType, network, chain, index);
}

/** `count` consecutive addresses from `from` on one chain, reusing the parsed chain node. */
export function deriveAddresses(
  accountXpub: string,
  addressType: AddressType,
  network: Network,
  chain: ChainIndex,
  from: number,
  count: number,
): DerivedAddress[] {
  if (!Number.isInteger(count) || count < 0) fail('INVALID_PARAMS', 'count must be a non-negative integer');
  if (count === 0) return [];
  checkRange(chain, from);
  checkRange(chain, from + count - 1);
  const node = chainNode(accountXpub, network, chain);
  const base = accountPath(addressType, network);
  const out: DerivedAddress[] = [];
  for (let i = from; i < from + count; i++) out.push(addressAt(node, base, addressType, network, chain, i));
  return out;
}
