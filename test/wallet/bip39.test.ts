import * as bip39 from 'bip39';
import { describe, expect, it } from 'vitest';
import { isWalletdError } from '../../src/errors.ts';
import { bip32, toHex } from '../../src/wallet/keys/hd.ts';
import { generateMnemonic, isValidMnemonic, mnemonicToSeed } from '../../src/wallet/keys/mnemonic.ts';
import { readVector } from '../vectors/parse-mediawiki.ts';

// trezor/python-mnemonic vectors: [entropy, mnemonic, seed with passphrase "TREZOR", master xprv].
const vectors = (JSON.parse(readVector('bip39-english.json')) as { english: [string, string, string, string][] }).english;

describe('BIP-39 English vectors (trezor/python-mnemonic)', () => {
  it('has the 24 vectors', () => {
    expect(vectors).toHaveLength(24);
  });

  it.each(vectors)('entropy %s', (entropy, mnemonic, seedHex, xprv) => {
    expect(bip39.entropyToMnemonic(entropy)).toBe(mnemonic);
    expect(isValidMnemonic(mnemonic)).toBe(true);
    const seed = mnemonicToSeed(mnemonic, 'TREZOR');
    expect(toHex(seed)).toBe(seedHex);
    expect(bip32.fromSeed(seed).toBase58()).toBe(xprv);
  });
});

describe('mnemonic helpers', () => {
  it('generates distinct valid 24-word mnemonics', () => {
    const a = generateMnemonic();
    const b = generateMnemonic();
    expect(a.split(' ')).toHaveLength(24);
    expect(isValidMnemonic(a)).toBe(true);
    expect(a).not.toBe(b);
  });

  it('normalises whitespace and case before hashing', () => {
    const [, mnemonic, seedHex] = vectors[0]!;
    expect(toHex(mnemonicToSeed(`  ${mnemonic.toUpperCase().replaceAll(' ', ' \n ')} `, 'TREZOR'))).toBe(seedHex);
  });

  it('rejects a bad checksum with INVALID_PARAMS and does not echo the words', () => {
    const bad = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon';
    expect(isValidMnemonic(bad)).toBe(false);
    let caught: unknown;
    try {
      mnemonicToSeed(bad);
    } catch (err) {
      caught = err;
    }
    expect(isWalletdError(caught, 'INVALID_PARAMS')).toBe(true);
    expect(String((caught as Error).message)).not.toContain('abandon');
  });
});
