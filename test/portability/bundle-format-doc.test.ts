/**
 * docs/bundle-format.md is the contract another program reads bundles by. This test is such a
 * program: it decodes an export and a backup with node:crypto and bip39 alone, following only the
 * document (offsets, scrypt over NFKC, AES-256-GCM with the 40-byte header as AAD, payload
 * fields, the secret and sealedSecret layouts, the backup file name).
 */
import { createDecipheriv, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import * as bip39 from 'bip39';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveAccount } from '../../src/wallet/keys/hd.ts';
import { mnemonicToSeed } from '../../src/wallet/keys/mnemonic.ts';
import { ABANDON, LEGAL, openStack, type Stack } from './helpers.ts';

// "é" composed vs decomposed: the doc says the passphrase is NFKC-normalised first.
const PASS = 'caf\u0065\u0301 bundle passphrase';
const WALLET_PASS = 'wallet passphrase 42';

/** Decrypts a `magic | version | log2 N | r | p | salt 16 | nonce 12 | ct | tag 16` envelope. */
function openDocEnvelope(bytes: Buffer, magic: string, passphrase: string): { plain: Buffer; params: number[] } {
  const m = magic.length;
  expect(bytes.subarray(0, m).toString('ascii')).toBe(magic);
  expect(bytes[m]).toBe(1);
  const [logN, r, p] = [bytes[m + 1]!, bytes[m + 2]!, bytes[m + 3]!];
  const headerLen = m + 4 + 16 + 12;
  const salt = bytes.subarray(m + 4, m + 20);
  const nonce = bytes.subarray(m + 20, headerLen);
  const key = scryptSync(Buffer.from(passphrase.normalize('NFKC'), 'utf8'), salt, 32, { N: 2 ** logN, r, p, maxmem: 512 * 1024 * 1024 });
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(bytes.subarray(0, headerLen));
  d.setAuthTag(bytes.subarray(bytes.length - 16));
  const plain = Buffer.concat([d.update(bytes.subarray(headerLen, bytes.length - 16)), d.final()]);
  return { plain, params: [logN, r, p] };
}

/** `0x01 | entropy length | entropy | UTF-8 BIP39 passphrase` → mnemonic and passphrase. */
function docSecret(secret: Buffer): { mnemonic: string; bip39Passphrase: string } {
  expect(secret[0]).toBe(1);
  const len = secret[1]!;
  return {
    mnemonic: bip39.entropyToMnemonic(secret.subarray(2, 2 + len).toString('hex')),
    bip39Passphrase: secret.subarray(2 + len).toString('utf8'),
  };
}

type DocWallet = Record<string, unknown> & { secret?: string; sealedSecret?: string; accountXpub: string };

let s: Stack;
let plainId = '';
beforeAll(async () => {
  s = await openStack();
  const plain = await s.portability.importWallet({ mnemonic: ABANDON, bip39Passphrase: 'TREZOR', name: 'plain' });
  plainId = plain.id;
  await s.service.generateAddress(plain.id, { label: 'rent' });
  await s.service.generateAddress(plain.id, {});
  await s.service.generateAddress(plain.id, { change: true });
  await s.portability.importWallet({ mnemonic: LEGAL, addressType: 'p2tr', passphrase: WALLET_PASS, name: 'locked' });
});
afterAll(async () => s?.close());

describe('docs/bundle-format.md, read by an independent program', () => {
  it('an export decodes to the documented payload; `secret` gives back the BIP39 seed of accountXpub', async () => {
    const bytes = Buffer.from(await s.portability.exportWallet(plainId, PASS.normalize('NFC')), 'base64');
    const { plain, params } = openDocEnvelope(bytes, 'WDBUNDLE', PASS);
    expect(params).toEqual([10, 8, 1]); // the test stack's FAST_SCRYPT, recorded in the header
    const payload = JSON.parse(plain.toString('utf8')) as { format: string; version: number; createdAt: number; wallets: DocWallet[] };
    expect(Object.keys(payload).sort()).toEqual(['createdAt', 'format', 'version', 'wallets']);
    expect(payload).toMatchObject({ format: 'walletd-bundle', version: 1, createdAt: s.clock.now() });
    const [w] = payload.wallets;
    expect(Object.keys(w!).sort()).toEqual(
      ['accountXpub', 'addressType', 'birthHeight', 'id', 'labels', 'lookahead', 'masterFingerprint', 'name', 'network', 'nextIndex', 'secret'],
    );
    expect(w).toMatchObject({
      name: 'plain', network: 'regtest', addressType: 'p2wpkh', birthHeight: 0,
      nextIndex: { receive: 2, change: 1 }, labels: [{ chain: 0, index: 0, label: 'rent' }],
    });
    const { mnemonic, bip39Passphrase } = docSecret(Buffer.from(w!.secret!, 'base64'));
    expect(mnemonic).toBe(ABANDON);
    expect(bip39Passphrase).toBe('TREZOR');
    const seed = bip39.mnemonicToSeedSync(mnemonic, bip39Passphrase);
    expect(deriveAccount(seed, 'p2wpkh', s.network).accountXpub).toBe(w!.accountXpub);
    expect(w!.masterFingerprint).toBe(deriveAccount(mnemonicToSeed(ABANDON, 'TREZOR'), 'p2wpkh', s.network).masterFingerprint);
  });

  it('a backup file is the base64 bundle plus a newline, named by UTC time; a protected wallet is a WDSV `sealedSecret`', async () => {
    const { path } = await s.portability.backupWallets(PASS);
    expect(basename(path)).toBe('walletd-backup-20300101T000000000Z.wdb'); // the test clock: 2030-01-01 UTC
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const payload = JSON.parse(openDocEnvelope(Buffer.from(text.trim(), 'base64'), 'WDBUNDLE', PASS).plain.toString('utf8')) as { wallets: DocWallet[] };
    const locked = payload.wallets.find((w) => w.name === 'locked')!;
    expect(locked.secret).toBeUndefined();
    expect(locked).toMatchObject({ addressType: 'p2tr' });
    const inner = openDocEnvelope(Buffer.from(locked.sealedSecret!, 'base64'), 'WDSV', WALLET_PASS).plain;
    expect(docSecret(inner)).toEqual({ mnemonic: LEGAL, bip39Passphrase: '' });
    expect(deriveAccount(mnemonicToSeed(LEGAL), 'p2tr', s.network).accountXpub).toBe(locked.accountXpub);
  });
});
