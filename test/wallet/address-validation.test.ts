import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { isWalletdError } from '../../src/errors.ts';
import { validateAddress } from '../../src/wallet/keys/address-validation.ts';
import { toHex } from '../../src/wallet/keys/hd.ts';
import { resolveNetwork, toBitcoinjsNetwork } from '../../src/wallet/keys/networks.ts';
import type { Network } from '../../src/wallet/types.ts';
import { codeOf } from '../harness/error-codes.ts';

const mainnet = resolveNetwork('mainnet');
const testnet = resolveNetwork('testnet');
const signet = resolveNetwork('signet');
const regtest = resolveNetwork('regtest');
// The litecoind regtest parameters from SPEC §7's config example.
const rltc = resolveNetwork('regtest', {
  bech32: 'rltc',
  pubKeyHash: 0x6f,
  scriptHash: 0x3a,
  wif: 0xef,
  bip32: { public: 0x043587cf, private: 0x04358394 },
});

const hash20 = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
const hash32 = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);

function addressesFor(network: Network) {
  const n = toBitcoinjsNetwork(network);
  return {
    p2wpkh: payments.p2wpkh({ hash: hash20, network: n }).address!,
    p2wsh: payments.p2wsh({ hash: hash32, network: n }).address!,
    p2pkh: payments.p2pkh({ hash: hash20, network: n }).address!,
    p2sh: payments.p2sh({ hash: hash20, network: n }).address!,
  };
}

describe('validateAddress', () => {
  it('accepts the BIP-173 upper-case mainnet P2WPKH vector and returns its script', () => {
    const r = validateAddress('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', mainnet);
    expect(r.type).toBe('p2wpkh');
    expect(toHex(r.script)).toBe('0014751e76e8199196d454941c45d1b3a323f1433bd6');
  });

  it('accepts a BIP-86 mainnet taproot address', () => {
    const r = validateAddress('bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr', mainnet);
    expect(r.type).toBe('p2tr');
    expect(toHex(r.script)).toBe('5120a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c');
  });

  for (const network of [mainnet, testnet, signet, regtest, rltc]) {
    it(`round-trips every script kind on ${network.name}/${network.params.bech32}`, () => {
      const n = toBitcoinjsNetwork(network);
      for (const [type, address] of Object.entries(addressesFor(network))) {
        const r = validateAddress(address, network);
        expect(r.type).toBe(type);
        const expected =
          type === 'p2wpkh' ? payments.p2wpkh({ hash: hash20, network: n }).output
          : type === 'p2wsh' ? payments.p2wsh({ hash: hash32, network: n }).output
          : type === 'p2pkh' ? payments.p2pkh({ hash: hash20, network: n }).output
          : payments.p2sh({ hash: hash20, network: n }).output;
        expect(toHex(r.script)).toBe(toHex(expected!));
      }
    });
  }

  it('says WRONG_NETWORK for a well-formed address of another network', () => {
    const main = addressesFor(mainnet);
    const reg = addressesFor(regtest);
    const test = addressesFor(testnet);
    expect(codeOf(() => validateAddress(main.p2wpkh, regtest))).toBe('WRONG_NETWORK');
    expect(codeOf(() => validateAddress(main.p2pkh, testnet))).toBe('WRONG_NETWORK');
    expect(codeOf(() => validateAddress(main.p2sh, regtest))).toBe('WRONG_NETWORK');
    expect(codeOf(() => validateAddress(reg.p2wsh, testnet))).toBe('WRONG_NETWORK');
    expect(codeOf(() => validateAddress(test.p2wpkh, mainnet))).toBe('WRONG_NETWORK');
    expect(codeOf(() => validateAddress('bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr', signet))).toBe('WRONG_NETWORK');
  });

  it('tells the custom rltc network from bitcoin regtest in both directions', () => {
    const lite = addressesFor(rltc);
    const reg = addressesFor(regtest);
    expect(lite.p2wpkh.startsWith('rltc1q')).toBe(true);
    expect(codeOf(() => validateAddress(lite.p2wpkh, regtest))).toBe('WRONG_NETWORK');
    expect(codeOf(() => validateAddress(reg.p2wpkh, rltc))).toBe('WRONG_NETWORK');
    // Litecoin's P2SH version 0x3a differs from bitcoin test networks' 0xc4; P2PKH 0x6f is shared.
    expect(codeOf(() => validateAddress(lite.p2sh, regtest))).toBe('WRONG_NETWORK');
    expect(codeOf(() => validateAddress(reg.p2sh, rltc))).toBe('WRONG_NETWORK');
    expect(validateAddress(reg.p2pkh, rltc).type).toBe('p2pkh');
  });

  it('says INVALID_ADDRESS for malformed input', () => {
    const cases = [
      '',
      'not an address',
      'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', // bad checksum
      'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7', // mixed case (BIP-173)
      'bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du', // BIP-173: invalid program length
      '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3', // base58 checksum broken
    ];
    for (const address of cases) expect(codeOf(() => validateAddress(address, mainnet))).toBe('INVALID_ADDRESS');
  });

  it('never echoes a private key pasted as an address', () => {
    const wif = 'KyZpNDKnfs94vbrwhJneDi77V6jF64PWPF8x5cdJb8ifgg2DUc9d';
    try {
      validateAddress(wif, mainnet);
      expect.unreachable();
    } catch (err) {
      expect(isWalletdError(err, 'INVALID_ADDRESS')).toBe(true);
      expect(JSON.stringify((err as { toJsonRpc(): unknown }).toJsonRpc())).not.toContain(wif);
    }
  });
});
