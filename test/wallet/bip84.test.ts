import { describe, expect, it } from 'vitest';
import { accountPath, bip32, deriveAccount, deriveAccountSigner, deriveAddress, toHex } from '../../src/wallet/keys/hd.ts';
import { mnemonicToSeed } from '../../src/wallet/keys/mnemonic.ts';
import { resolveNetwork, toBitcoinjsNetwork } from '../../src/wallet/keys/networks.ts';
import { parseKeyValueBlocks, readVector } from '../vectors/parse-mediawiki.ts';

// BIP-84 lists zprv/zpub keys (SLIP-132 version bytes); walletd serialises xpub/xprv, so the
// vector keys are checked through a mainnet variant with zpub/zprv version bytes.
const ZPUB_VERSIONS = { public: 0x04b24746, private: 0x04b2430c };
const mainnet = resolveNetwork('mainnet');
const zMainnet = resolveNetwork('mainnet', { bip32: ZPUB_VERSIONS });

const [head, account, ...addresses] = parseKeyValueBlocks(readVector('bip-0084-test-vectors.mediawiki'));
const seed = mnemonicToSeed(head!.values.mnemonic!);

describe('BIP-84 test vectors (bitcoin/bips)', () => {
  it('parses the root, the account and three addresses', () => {
    expect(head!.values.rootnode).toMatch(/^zprv/u);
    expect(account!.path).toBe("m/84'/0'/0'");
    expect(addresses).toHaveLength(3);
  });

  it('derives the root node from the mnemonic', () => {
    expect(bip32.fromSeed(seed, toBitcoinjsNetwork(zMainnet)).toBase58()).toBe(head!.values.rootnode);
  });

  it('derives the account private key at the BIP-84 path', () => {
    expect(accountPath('p2wpkh', mainnet)).toBe(account!.path);
    expect(deriveAccountSigner(seed, 'p2wpkh', zMainnet).toBase58()).toBe(account!.values.xpriv);
  });

  it('derives the account xpub (zpub and xpub serialisations of the same key)', () => {
    const vectorNode = bip32.fromBase58(account!.values.xpriv!, toBitcoinjsNetwork(zMainnet));
    expect(deriveAccount(seed, 'p2wpkh', zMainnet).accountXpub).toBe(vectorNode.neutered().toBase58());
    const { accountXpub, masterFingerprint } = deriveAccount(seed, 'p2wpkh', mainnet);
    expect(accountXpub.startsWith('xpub')).toBe(true);
    const node = bip32.fromBase58(accountXpub);
    expect(toHex(node.publicKey)).toBe(toHex(vectorNode.publicKey));
    expect(toHex(node.chainCode)).toBe(toHex(vectorNode.chainCode));
    expect(node.depth).toBe(3);
    expect(masterFingerprint).toBe(toHex(bip32.fromSeed(seed).fingerprint));
  });

  const { accountXpub } = deriveAccount(seed, 'p2wpkh', mainnet);
  it.each(addresses.map((b) => ({ ...b.values, path: b.path! }) as Record<string, string> & { path: string }))('address $path', ({ path, privkey, pubkey, address }) => {
    const [chain, index] = path.split('/').slice(-2).map(Number) as [0 | 1, number];
    const derived = deriveAddress(accountXpub, 'p2wpkh', mainnet, chain, index);
    expect(derived.address).toBe(address);
    expect(toHex(derived.publicKey)).toBe(pubkey);
    expect(derived.path).toBe(path);
    expect(derived.script).toMatch(/^0014[0-9a-f]{40}$/u);
    const signer = deriveAccountSigner(seed, 'p2wpkh', mainnet);
    const child = signer.derive(chain).derive(index);
    expect(child.toWIF()).toBe(privkey);
    child.privateKey?.fill(0);
    signer.privateKey?.fill(0);
    expect(signer.privateKey?.every((b) => b === 0)).toBe(true);
  });
});
