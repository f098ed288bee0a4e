/**
 * SPEC §1: the only way key material leaves is an encrypted bundle. Every bundle and backup file
 * this test produces is scanned (raw bytes, and base64-decoded) for the mnemonic words, the
 * xprv/tprv keys and the WIFs of the wallet's issued addresses; none may appear.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bip32, deriveAccountSigner, toHex } from '../../src/wallet/keys/hd.ts';
import { mnemonicToSeed } from '../../src/wallet/keys/mnemonic.ts';
import { toBitcoinjsNetwork } from '../../src/wallet/keys/networks.ts';
import { ABANDON, LEGAL, openStack, type Stack } from './helpers.ts';

const PASS = 'bundle passphrase 123';
let s: Stack;
const files: Array<{ what: string; text: string }> = [];
const secrets: string[] = [];

beforeAll(async () => {
  s = await openStack();
  const net = toBitcoinjsNetwork(s.network);
  for (const [mnemonic, addressType] of [[ABANDON, 'p2wpkh'], [LEGAL, 'p2tr']] as const) {
    const w = await s.portability.importWallet({ mnemonic, addressType });
    for (let i = 0; i < 3; i++) await s.service.generateAddress(w.id, { label: `l${i}` });
    await s.service.generateAddress(w.id, { change: true });
    const seed = mnemonicToSeed(mnemonic);
    const root = bip32.fromSeed(seed, net);
    const account = deriveAccountSigner(seed, addressType, s.network);
    secrets.push(mnemonic, mnemonic.split(' ').slice(0, 3).join(' '), root.toBase58(), account.toBase58(), toHex(seed));
    for (const chain of [0, 1]) for (let i = 0; i < 4; i++) secrets.push(account.derive(chain).derive(i).toWIF());
    files.push({ what: `export ${addressType}`, text: await s.portability.exportWallet(w.id, PASS) });
  }
  for (let i = 0; i < 2; i++) {
    const { path } = await s.portability.backupWallets(PASS);
    files.push({ what: path, text: readFileSync(path, 'utf8') });
    s.clock.t += 1000;
  }
});
afterAll(async () => s?.close());

describe('bundles and backups hold no plaintext key material', () => {
  it('collected the secrets it looks for', () => {
    expect(secrets.some((x) => x.startsWith('tprv'))).toBe(true);
    expect(secrets.filter((x) => /^c[1-9A-HJ-NP-Za-km-z]{51}$/.test(x)).length).toBe(16); // testnet WIFs
    expect(files).toHaveLength(4);
  });

  it('finds no mnemonic, xprv/tprv, seed or WIF in any file, raw or base64-decoded', () => {
    for (const f of files) {
      const decoded = Buffer.from(f.text.trim(), 'base64');
      const views = [f.text, decoded.toString('latin1'), decoded.toString('utf8'), decoded.toString('hex')];
      for (const view of views) {
        for (const secret of secrets) expect(view.includes(secret), `${f.what} contains a secret`).toBe(false);
        expect(/[xt]prv[1-9A-HJ-NP-Za-km-z]{100}/.test(view), `${f.what} contains an extended private key`).toBe(false);
      }
    }
  });
});
