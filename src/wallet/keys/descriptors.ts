/**
 * Output script descriptors (BIP-380/382/386) for the wallet's accounts: building the public
 * receive/change descriptors and parsing a watch-only import (bare xpub or descriptor).
 */
import type { BIP32Interface } from 'bip32';
import { fail } from '../../errors.ts';
import { bip32 } from './hd.ts';
import { KNOWN_NETWORK_PARAMS, toBitcoinjsNetwork } from './networks.ts';
import type { AddressType, Network } from '../types.ts';

// BIP-380 checksum: character set, checksum alphabet and BCH generator, as in the BIP.
const INPUT_CHARSET = "0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn];

function polymod(symbols: number[]): bigint {
  let chk = 1n;
  for (const value of symbols) {
    const top = chk >> 35n;
    chk = ((chk & 0x7ffffffffn) << 5n) ^ BigInt(value);
    for (let i = 0; i < 5; i++) if ((top >> BigInt(i)) & 1n) chk ^= GENERATOR[i]!;
  }
  return chk;
}

function expand(s: string): number[] | null {
  const symbols: number[] = [];
  const groups: number[] = [];
  for (const c of s) {
    const v = INPUT_CHARSET.indexOf(c);
    if (v < 0) return null;
    symbols.push(v & 31);
    groups.push(v >> 5);
    if (groups.length === 3) {
      symbols.push(groups[0]! * 9 + groups[1]! * 3 + groups[2]!);
      groups.length = 0;
    }
  }
  if (groups.length === 1) symbols.push(groups[0]!);
  else if (groups.length === 2) symbols.push(groups[0]! * 3 + groups[1]!);
  return symbols;
}

/** The 8-character BIP-380 checksum of a descriptor (without `#`), or null for invalid characters. */
export function descriptorChecksum(descriptor: string): string | null {
  const symbols = expand(descriptor);
  if (symbols === null) return null;
  const chk = polymod([...symbols, 0, 0, 0, 0, 0, 0, 0, 0]) ^ 1n;
  let out = '';
  for (let i = 0; i < 8; i++) out += CHECKSUM_CHARSET[Number((chk >> BigInt(5 * (7 - i))) & 31n)];
  return out;
}

/** `descriptor#checksum`. */
export function addChecksum(descriptor: string): string {
  const cs = descriptorChecksum(descriptor);
  if (cs === null) fail('INVALID_PARAMS', 'descriptor contains characters outside the BIP-380 set');
  return `${descriptor}#${cs}`;
}

/** True when `s` is `SCRIPT#CHECKSUM` with a valid BIP-380 checksum. */
export function isValidChecksum(s: string): boolean {
  const hash = s.lastIndexOf('#');
  if (hash < 0 || s.length - hash - 1 !== 8) return false;
  return descriptorChecksum(s.slice(0, hash)) === s.slice(hash + 1);
}

/** Public receive (`/0/*`) and change (`/1/*`) descriptors with key origin and checksum. */
export function walletDescriptors(
  accountXpub: string,
  masterFingerprint: string,
  addressType: AddressType,
  network: Network,
): { receive: string; change: string } {
  const fn = addressType === 'p2tr' ? 'tr' : 'wpkh'; // BIP-386 tr(KEY), BIP-382 wpkh(KEY)
  const purpose = addressType === 'p2tr' ? 86 : 84;
  const origin = `[${masterFingerprint.toLowerCase()}/${purpose}h/${network.coinType}h/0h]`;
  const make = (chain: 0 | 1) => addChecksum(`${fn}(${origin}${accountXpub}/${chain}/*)`);
  return { receive: make(0), change: make(1) };
}

/** A watch-only account recovered from user input. */
export interface WatchOnlyAccount {
  addressType: AddressType;
  accountXpub: string;
  masterFingerprint: string | null;
}

// wpkh(...) or tr(...) holding [fingerprint/path]xpub followed by /0/*, /1/* or /<0;1>/*.
const DESCRIPTOR_RE = /^(wpkh|tr)\((?:\[([0-9a-fA-F]{8})((?:\/\d+[hH']?)*)\])?([1-9A-HJ-NP-Za-km-z]{100,120})(\/0\/\*|\/1\/\*|\/<0;1>\/\*)\)$/u;

function parseXpub(text: string, network: Network): string {
  let node: BIP32Interface;
  try {
    node = bip32.fromBase58(text, toBitcoinjsNetwork(network));
  } catch {
    // Recognise a key of another network to say so; never echo the key (it may be an xprv).
    if (KNOWN_NETWORK_PARAMS.some((p) => p.bip32.public !== network.params.bip32.public && parsesWith(text, p.bip32))) {
      fail('WRONG_NETWORK', 'extended public key belongs to another network');
    }
    fail('INVALID_PARAMS', 'not a valid extended public key for this network');
  }
  if (!node.isNeutered()) {
    node.privateKey?.fill(0);
    fail('INVALID_PARAMS', 'watch-only import takes an extended public key, not a private one');
  }
  return node.toBase58();
}

function parsesWith(text: string, versions: { public: number; private: number }): boolean {
  try {
    const n = bip32.fromBase58(text, { wif: 0, bip32: versions, messagePrefix: '', bech32: '', pubKeyHash: 0, scriptHash: 0 });
    const neutered = n.isNeutered();
    n.privateKey?.fill(0);
    return neutered;
  } catch {
    return false;
  }
}

/**
 * Parses a watch-only import: a bare account xpub/tpub (taken as P2WPKH) or a `wpkh(...)` /
 * `tr(...)` descriptor with optional origin and `/0/*`, `/1/*` or `/<0;1>/*`. A checksum, when
 * present, must be valid. Throws WalletdError INVALID_PARAMS (or WRONG_NETWORK) otherwise.
 */
export function parseWatchOnly(input: string, network: Network): WatchOnlyAccount {
  if (typeof input !== 'string') fail('INVALID_PARAMS', 'descriptor or xpub must be a string');
  const text = input.trim();
  if (!text.includes('(')) {
    return { addressType: 'p2wpkh', accountXpub: parseXpub(text, network), masterFingerprint: null };
  }
  let body = text;
  const hash = text.indexOf('#');
  if (hash >= 0) {
    if (!isValidChecksum(text)) fail('INVALID_PARAMS', 'descriptor checksum is invalid');
    body = text.slice(0, hash);
  }
  const m = DESCRIPTOR_RE.exec(body);
  if (m === null) {
    fail('INVALID_PARAMS', 'expected wpkh(...) or tr(...) with an account xpub and /0/*, /1/* or /<0;1>/*');
  }
  const [, fn, fingerprint, , key] = m;
  return {
    addressType: fn === 'tr' ? 'p2tr' : 'p2wpkh',
    accountXpub: parseXpub(key!, network),
    masterFingerprint: fingerprint === undefined ? null : fingerprint.toLowerCase(),
  };
}
