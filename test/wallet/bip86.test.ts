import { describe, expect, it } from 'vitest';
import { accountPath, bip32, deriveAccount, deriveAccountSigner, deriveAddress, deriveAddresses, toHex } from '../../src/wallet/keys/hd.ts';
import { mnemonicToSeed } from '../../src/wallet/keys/mnemonic.ts';
import { resolveNetwork } from '../../src/wallet/keys/networks.ts';
import { parseKeyValueBlocks, readVector } from '../vectors/parse-mediawiki.ts';

const mainnet = resolveNetwork('mainnet');
const [head, account, ...addresses] = parseKeyValueBlocks(readVector('bip-0086-test-vectors.mediawiki'));
const seed = mnemonicToSeed(head!.values.mnemonic!);

describe('BIP-86 test vectors (bitcoin/bips)', () => {
  it('parses the root, the account and three addresses', () => {
    expect(account!.path).toBe("m/86'/0'/0'");
    expect(addresses).toHaveLength(3);
  });

  it('derives the root keys from the mnemonic', () => {
    const root = bip32.fromSeed(seed);
    expect(root.toBase58()).toBe(head!.values.rootpriv);
    expect(root.neutered().toBase58()).toBe(head!.values.rootpub);
  });

  it('derives the account keys at the BIP-86 path', () => {
    expect(accountPath('p2tr', mainnet)).toBe(account!.path);
    expect(deriveAccount(seed, 'p2tr', mainnet).accountXpub).toBe(account!.values.xpub);
    expect(deriveAccountSigner(seed, 'p2tr', mainnet).toBase58()).toBe(account!.values.xprv);
  });

  const { accountXpub } = deriveAccount(seed, 'p2tr', mainnet);
  const cases = addresses.map((b) => ({ ...b.values, path: b.path! }) as Record<string, string> & { path: string });
  it.each(cases)('address $path', (v) => {
    const [chain, index] = v.path.split('/').slice(-2).map(Number) as [0 | 1, number];
    const derived = deriveAddress(accountXpub, 'p2tr', mainnet, chain, index);
    expect(derived.address).toBe(v.address);
    expect(derived.script).toBe(v.scriptPubKey);
    expect(derived.path).toBe(v.path);
    // BIP-86: the internal key is the x-only derived key; the output key is its tweak.
    expect(toHex(derived.publicKey.subarray(1))).toBe(v.internal_key);
    expect(derived.script.slice(4)).toBe(v.output_key);
    const child = bip32.fromBase58(accountXpub).derive(chain).derive(index);
    expect(child.toBase58()).toBe(v.xpub);
    expect(deriveAccountSigner(seed, 'p2tr', mainnet).derive(chain).derive(index).toBase58()).toBe(v.xprv);
  });

  it('batch derivation agrees with single derivation', () => {
    const batch = deriveAddresses(accountXpub, 'p2tr', mainnet, 0, 0, 2);
    expect(batch.map((a) => a.address)).toEqual(cases.filter((c) => c.path.split('/').at(-2) === '0').map((c) => c.address));
  });
});
