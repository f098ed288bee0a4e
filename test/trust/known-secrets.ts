/**
 * The secrets of a test wallet imported from a known mnemonic (issue 16, point 5), in every
 * encoding a leak could take: the words, the seed, the root and account extended private keys
 * in every version, and the first addresses' private keys as WIF, hex and base64.
 */
import { createHash } from 'node:crypto';
import { mnemonicToSeedSync } from 'bip39';
import { BIP32Factory, type BIP32Interface } from 'bip32';
import { payments } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import type { NetworkParams } from '../../src/wallet/types.ts';

const bip32 = BIP32Factory(ecc);

/** The SLIP-132 private versions: xprv, yprv, zprv (mainnet) and tprv, uprv, vprv (test networks). */
const PRIVATE_VERSIONS = [0x0488ade4, 0x049d7878, 0x04b2430c, 0x04358394, 0x044a4e28, 0x045f18bc] as const;
const WIF_VERSIONS = [0x80, 0xef] as const;

/** One secret in one encoding, named for the failure message. */
export interface SecretForm {
  name: string;
  text: string;
}

/** Every textual form of `bytes` a leak could take. */
function byteForms(name: string, bytes: Uint8Array): SecretForm[] {
  const b = Buffer.from(bytes);
  return [
    { name: `${name} hex`, text: b.toString('hex') },
    { name: `${name} HEX`, text: b.toString('hex').toUpperCase() },
    { name: `${name} base64`, text: b.toString('base64').replace(/=+$/, '') },
    { name: `${name} base64url`, text: b.toString('base64url') },
  ];
}

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Base58Check, written out here so the test depends on no transitive package. */
function base58check(payload: Buffer): string {
  const data = Buffer.concat([payload, createHash('sha256').update(createHash('sha256').update(payload).digest()).digest().subarray(0, 4)]);
  let n = BigInt(`0x${data.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const byte of data) {
    if (byte !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/** The 78-byte BIP32 serialization of `node`'s private key with `version`. */
function xprv(node: BIP32Interface, version: number): string {
  const b = Buffer.alloc(78);
  b.writeUInt32BE(version, 0);
  b.writeUInt8(node.depth, 4);
  b.writeUInt32BE(node.parentFingerprint, 5);
  b.writeUInt32BE(node.index, 9);
  Buffer.from(node.chainCode).copy(b, 13);
  Buffer.from(node.privateKey!).copy(b, 46);
  return base58check(b);
}

function xprvForms(name: string, node: BIP32Interface): SecretForm[] {
  return [
    ...PRIVATE_VERSIONS.map((version) => ({ name: `${name} (version ${version.toString(16)})`, text: xprv(node, version) })),
    ...byteForms(`${name} private key`, node.privateKey!),
    ...byteForms(`${name} chain code`, node.chainCode),
  ];
}

/** The known secrets of `mnemonic` on `params`; `firstAddress` checks the account path is right. */
export function knownSecrets(mnemonic: string, params: NetworkParams, coinType: 0 | 1, count = 5): { forms: SecretForm[]; firstAddress: string; words: string[] } {
  const seed = mnemonicToSeedSync(mnemonic);
  const root = bip32.fromSeed(seed, params);
  const account = root.derivePath(`m/84'/${coinType}'/0'`);
  const forms: SecretForm[] = [
    { name: 'mnemonic', text: mnemonic },
    ...byteForms('mnemonic utf8', Buffer.from(mnemonic)),
    ...byteForms('seed', seed),
    ...xprvForms('root xprv', root),
    ...xprvForms('account xprv', account),
  ];
  for (const chain of [0, 1]) {
    for (let i = 0; i < count; i += 1) {
      const key = account.derive(chain).derive(i);
      for (const wif of WIF_VERSIONS) {
        const text = base58check(Buffer.concat([Buffer.from([wif]), Buffer.from(key.privateKey!), Buffer.from([1])]));
        forms.push({ name: `key ${chain}/${i} WIF ${wif.toString(16)}`, text });
      }
      forms.push(...byteForms(`key ${chain}/${i}`, key.privateKey!));
    }
  }
  const first = account.derive(0).derive(0);
  const firstAddress = payments.p2wpkh({ pubkey: Buffer.from(first.publicKey), network: params }).address!;
  return { forms, firstAddress, words: mnemonic.split(' ') };
}
