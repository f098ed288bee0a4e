/**
 * What a wallet's sealed blob holds: the BIP39 entropy (and optional BIP39 passphrase), not the
 * 64-byte seed. The seed cannot give back the mnemonic, and an operator must be able to write
 * the recovery phrase down offline (`walletd recovery-phrase`).
 *
 * Layout: version (1 byte) | entropy length (1 byte) | entropy | UTF-8 BIP39 passphrase.
 */
import * as bip39 from 'bip39';
import { fail } from '../../errors.ts';
import { deriveAccount } from '../keys/hd.ts';
import { isValidMnemonic, mnemonicToSeed } from '../keys/mnemonic.ts';
import type { AddressType, Network } from '../types.ts';

const SECRET_VERSION = 1;

/** Encodes a valid mnemonic (and optional BIP39 passphrase) as a wallet secret. */
export function secretFromMnemonic(mnemonic: string, bip39Passphrase = ''): Uint8Array {
  if (!isValidMnemonic(mnemonic)) fail('INVALID_PARAMS', 'mnemonic is not a valid BIP-39 English mnemonic', { field: 'mnemonic' });
  const normalized = mnemonic.normalize('NFKD').trim().toLowerCase().split(/\s+/u).join(' ');
  const entropy = Buffer.from(bip39.mnemonicToEntropy(normalized), 'hex');
  const passphrase = Buffer.from(bip39Passphrase, 'utf8');
  const out = new Uint8Array(2 + entropy.length + passphrase.length);
  out[0] = SECRET_VERSION;
  out[1] = entropy.length;
  out.set(entropy, 2);
  out.set(passphrase, 2 + entropy.length);
  entropy.fill(0);
  return out;
}

function decode(secret: Uint8Array): { mnemonic: string; bip39Passphrase: string } {
  const length = secret[1] ?? 0;
  if (secret[0] !== SECRET_VERSION || secret.length < 2 + length || ![16, 20, 24, 28, 32].includes(length)) {
    fail('INTERNAL', 'wallet secret has an unknown format');
  }
  const entropy = Buffer.from(secret.subarray(2, 2 + length));
  const mnemonic = bip39.entropyToMnemonic(entropy);
  entropy.fill(0);
  return { mnemonic, bip39Passphrase: Buffer.from(secret.subarray(2 + length)).toString('utf8') };
}

/** The BIP39 seed of a wallet secret; the caller zeroes it after use. */
export function seedFromSecret(secret: Uint8Array): Uint8Array {
  const { mnemonic, bip39Passphrase } = decode(secret);
  return mnemonicToSeed(mnemonic, bip39Passphrase);
}

/** The account xpub and master fingerprint of a wallet secret; the derived seed is zeroed. */
export function accountOfSecret(
  secret: Uint8Array,
  addressType: AddressType,
  network: Network,
): { accountXpub: string; masterFingerprint: string } {
  const seed = seedFromSecret(secret);
  try {
    return deriveAccount(seed, addressType, network);
  } finally {
    seed.fill(0);
  }
}

/** The recovery phrase. Only the offline `walletd recovery-phrase` command may call this. */
export function mnemonicFromSecret(secret: Uint8Array): { mnemonic: string; hasBip39Passphrase: boolean } {
  const { mnemonic, bip39Passphrase } = decode(secret);
  return { mnemonic, hasBip39Passphrase: bip39Passphrase.length > 0 };
}
