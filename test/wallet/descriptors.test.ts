import { describe, expect, it } from 'vitest';
import { isWalletdError } from '../../src/errors.ts';
import { descriptorChecksum, isValidChecksum, parseWatchOnly, walletDescriptors } from '../../src/wallet/keys/descriptors.ts';
import { deriveAccount, deriveAccountSigner, deriveAddress } from '../../src/wallet/keys/hd.ts';
import { mnemonicToSeed } from '../../src/wallet/keys/mnemonic.ts';
import { resolveNetwork } from '../../src/wallet/keys/networks.ts';
import { readVector } from '../vectors/parse-mediawiki.ts';
import { codeOf } from '../harness/error-codes.ts';

// `* Label: <tt>descriptor</tt>` lines from BIP-380's test vectors.
const checksumCases = [...readVector('bip-0380-checksum-vectors.mediawiki').matchAll(/^\* ([^:]+): <tt>(.*)<\/tt>$/gmu)].map(
  (m) => ({ label: m[1]!, text: m[2]! }),
);

const testnet = resolveNetwork('testnet');
const seed = mnemonicToSeed('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about');

describe('BIP-380 checksum vectors (bitcoin/bips)', () => {
  it('parses the eight checksum cases', () => {
    expect(checksumCases).toHaveLength(8);
  });

  it('computes the valid checksum', () => {
    const valid = checksumCases.find((c) => c.label === 'Valid checksum')!;
    const [body, cs] = valid.text.split('#');
    expect(descriptorChecksum(body!)).toBe(cs);
    expect(isValidChecksum(valid.text)).toBe(true);
  });

  it.each(checksumCases.filter((c) => c.label !== 'Valid checksum'))('rejects: $label', ({ text }) => {
    expect(isValidChecksum(text)).toBe(false);
  });
});

describe('walletDescriptors / parseWatchOnly', () => {
  for (const addressType of ['p2wpkh', 'p2tr'] as const) {
    it(`builds and re-parses ${addressType} descriptors`, () => {
      const { accountXpub, masterFingerprint } = deriveAccount(seed, addressType, testnet);
      const { receive, change } = walletDescriptors(accountXpub, masterFingerprint, addressType, testnet);
      const fn = addressType === 'p2tr' ? 'tr' : 'wpkh';
      const purpose = addressType === 'p2tr' ? 86 : 84;
      expect(receive).toBe(`${fn}([${masterFingerprint}/${purpose}h/1h/0h]${accountXpub}/0/*)#${descriptorChecksum(receive.split('#')[0]!)}`);
      expect(change).toContain(`${accountXpub}/1/*)#`);
      expect(isValidChecksum(receive) && isValidChecksum(change)).toBe(true);
      for (const d of [receive, change]) {
        expect(parseWatchOnly(d, testnet)).toEqual({ addressType, accountXpub, masterFingerprint });
      }
    });
  }

  it('accepts the multipath form and a missing origin or checksum', () => {
    const { accountXpub, masterFingerprint } = deriveAccount(seed, 'p2tr', testnet);
    const multi = `tr([${masterFingerprint.toUpperCase()}/86'/1'/0']${accountXpub}/<0;1>/*)`;
    expect(parseWatchOnly(`${multi}#${descriptorChecksum(multi)}`, testnet)).toEqual({ addressType: 'p2tr', accountXpub, masterFingerprint });
    expect(parseWatchOnly(`wpkh(${accountXpub}/0/*)`, testnet)).toEqual({ addressType: 'p2wpkh', accountXpub, masterFingerprint: null });
  });

  it('takes a bare tpub as a P2WPKH account whose addresses match the seed wallet', () => {
    const { accountXpub } = deriveAccount(seed, 'p2wpkh', testnet);
    const parsed = parseWatchOnly(`  ${accountXpub}\n`, testnet);
    expect(parsed).toEqual({ addressType: 'p2wpkh', accountXpub, masterFingerprint: null });
    expect(deriveAddress(parsed.accountXpub, 'p2wpkh', testnet, 0, 3).address).toBe(deriveAddress(accountXpub, 'p2wpkh', testnet, 0, 3).address);
  });

  it('rejects a bad checksum, an unknown script, a hardened wildcard and junk', () => {
    const { accountXpub, masterFingerprint } = deriveAccount(seed, 'p2wpkh', testnet);
    const { receive } = walletDescriptors(accountXpub, masterFingerprint, 'p2wpkh', testnet);
    const flipped = receive.slice(0, -1) + (receive.endsWith('q') ? 'p' : 'q');
    expect(codeOf(() => parseWatchOnly(flipped, testnet))).toBe('INVALID_PARAMS');
    expect(codeOf(() => parseWatchOnly(`pkh(${accountXpub}/0/*)`, testnet))).toBe('INVALID_PARAMS');
    expect(codeOf(() => parseWatchOnly(`wpkh(${accountXpub}/0/*h)`, testnet))).toBe('INVALID_PARAMS');
    expect(codeOf(() => parseWatchOnly('hello', testnet))).toBe('INVALID_PARAMS');
  });

  it('rejects an extended private key without echoing it', () => {
    const tprv = deriveAccountSigner(seed, 'p2wpkh', testnet).toBase58();
    for (const input of [tprv, `wpkh(${tprv}/0/*)`]) {
      try {
        parseWatchOnly(input, testnet);
        expect.unreachable();
      } catch (err) {
        expect(isWalletdError(err, 'INVALID_PARAMS')).toBe(true);
        expect(JSON.stringify((err as { toJsonRpc(): unknown }).toJsonRpc())).not.toContain(tprv.slice(4, 40));
      }
    }
  });

  it('says WRONG_NETWORK for a mainnet xpub on testnet', () => {
    const { accountXpub } = deriveAccount(seed, 'p2wpkh', resolveNetwork('mainnet'));
    expect(codeOf(() => parseWatchOnly(accountXpub, testnet))).toBe('WRONG_NETWORK');
  });
});
