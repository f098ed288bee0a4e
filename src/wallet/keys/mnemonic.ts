/**
 * BIP-39 mnemonics: generation, validation and seed derivation (English wordlist).
 * Errors never echo the mnemonic.
 */
import * as bip39 from 'bip39';
import { fail } from '../../errors.ts';

/** BIP-39: 256 bits of entropy give a 24-word mnemonic. */
const STRENGTH_BITS = 256;

// Users paste mnemonics with stray spaces, newlines or capitals; the wordlist is lower-case
// and BIP-39 joins words with single spaces, so normalise before checking or hashing.
function normalize(mnemonic: string): string {
  return mnemonic.normalize('NFKD').trim().toLowerCase().split(/\s+/u).join(' ');
}

/** A fresh 24-word English mnemonic from 256 bits of CSPRNG entropy. */
export function generateMnemonic(): string {
  return bip39.generateMnemonic(STRENGTH_BITS);
}

/** True when `mnemonic` has a valid BIP-39 length, English words and checksum. */
export function isValidMnemonic(mnemonic: string): boolean {
  if (typeof mnemonic !== 'string') return false;
  return bip39.validateMnemonic(normalize(mnemonic));
}

/**
 * The 64-byte BIP-39 seed (PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" + passphrase).
 * Throws WalletdError INVALID_PARAMS for an invalid mnemonic, without echoing it.
 */
export function mnemonicToSeed(mnemonic: string, bip39Passphrase = ''): Uint8Array {
  if (!isValidMnemonic(mnemonic)) fail('INVALID_PARAMS', 'mnemonic is not a valid BIP-39 English mnemonic');
  const seed = bip39.mnemonicToSeedSync(normalize(mnemonic), bip39Passphrase);
  const out = new Uint8Array(seed);
  seed.fill(0);
  return out;
}
