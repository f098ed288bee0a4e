/** The key-material scanner used by the end-to-end tests must catch real keys and only real keys. */
import { randomBytes } from 'node:crypto';
import { ECPairFactory } from 'ecpair';
import { networks } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import { findKeyMaterial } from './e2e-helpers.ts';

const ECPair = ECPairFactory(ecc);

describe('findKeyMaterial', () => {
  it('finds a mainnet or testnet WIF, an xprv and a mnemonic', () => {
    expect(findKeyMaterial(`{"k":"${ECPair.makeRandom().toWIF()}"}`)).toEqual(['WIF']);
    expect(findKeyMaterial(`{"k":"${ECPair.makeRandom({ network: networks.testnet }).toWIF()}"}`)).toEqual(['WIF']);
    expect(findKeyMaterial('xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi')).toEqual(['extended private key']);
    expect(findKeyMaterial('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about')).toEqual(['mnemonic-like word run']);
  });

  it('does not flag random hex, txids or base58 runs that are not WIFs', () => {
    const noise = Array.from({ length: 2000 }, () => randomBytes(32).toString('hex')).join('","');
    expect(findKeyMaterial(noise)).toEqual([]);
    expect(findKeyMaterial(`c${'9'.repeat(50)}`)).toEqual([]);
  });
});
