/**
 * Issue 15 point 5: a bundle restore keeps each wallet's id and name; an id already in use is
 * WALLET_EXISTS (nothing added); a bundle from before ids were recorded gets fresh ids.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBundle, encodeBundle, openBundle, sealBundle } from '../../src/portability/bundle.ts';
import { ABANDON, FAST_SCRYPT, LEGAL, ZOO, openStack, rejection, type Stack } from './helpers.ts';

const PASS = 'bundle passphrase 123';
const open: Stack[] = [];
async function stack(): Promise<Stack> {
  const s = await openStack();
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

describe('restore keeps wallet ids', () => {
  it('a backup restores every wallet under its id and name', async () => {
    const a = await stack();
    const one = await a.portability.importWallet({ mnemonic: ABANDON, name: 'savings' });
    const two = await a.portability.importWallet({ mnemonic: LEGAL, name: 'shop' });
    const { path } = await a.portability.backupWallets(PASS);
    const b = await stack();
    const restored = await b.portability.importWallet({ bundle: readFileSync(path, 'utf8'), passphrase: PASS });
    const byId = (list: Array<{ id: string; name: string }>) => list.map((w) => [w.id, w.name]).sort();
    expect(byId(restored.wallets)).toEqual(byId([{ id: one.id, name: 'savings' }, { id: two.id, name: 'shop' }]));
    expect((await b.service.listWallets()).map((w) => w.id).sort()).toEqual([one.id, two.id].sort());
  });

  it('refuses a bundle whose wallet id is taken by another wallet, adding nothing', async () => {
    const a = await stack();
    const w = await a.portability.importWallet({ mnemonic: ABANDON, name: 'savings' });
    const b = await stack();
    const other = await b.portability.importWallet({ mnemonic: ZOO, name: 'other' });
    const payload = await openBundle(decodeBundle(await a.portability.exportWallet(w.id, PASS)), PASS);
    expect(payload.wallets[0]!.id).toBe(w.id);
    const clash = encodeBundle(await sealBundle({ ...payload, wallets: [{ ...payload.wallets[0]!, id: other.id }] }, PASS, FAST_SCRYPT));
    const err = await rejection(b.portability.importWallet({ bundle: clash, passphrase: PASS }));
    expect(err.code).toBe('WALLET_EXISTS');
    expect(err.details).toMatchObject({ walletId: other.id });
    expect((await b.service.listWallets()).map((x) => x.id)).toEqual([other.id]);
  });

  it('gives a bundle written before ids were recorded fresh ids', async () => {
    const a = await stack();
    const w = await a.portability.importWallet({ mnemonic: ABANDON, name: 'savings' });
    const payload = await openBundle(decodeBundle(await a.portability.exportWallet(w.id, PASS)), PASS);
    const { id: _dropped, ...legacy } = payload.wallets[0]!;
    const old = encodeBundle(await sealBundle({ ...payload, wallets: [legacy] }, PASS, FAST_SCRYPT));
    const b = await stack();
    const restored = await b.portability.importWallet({ bundle: old, passphrase: PASS });
    expect(restored.id).toMatch(/^w_[0-9a-f]{12}$/);
    expect(restored.name).toBe('savings');
  });

  it('refuses a malformed id in a bundle', async () => {
    const a = await stack();
    const w = await a.portability.importWallet({ mnemonic: ABANDON, name: 'savings' });
    const payload = await openBundle(decodeBundle(await a.portability.exportWallet(w.id, PASS)), PASS);
    const bad = encodeBundle(await sealBundle({ ...payload, wallets: [{ ...payload.wallets[0]!, id: 'w 1; drop' }] }, PASS, FAST_SCRYPT));
    const b = await stack();
    expect((await rejection(b.portability.importWallet({ bundle: bad, passphrase: PASS }))).code).toBe('INVALID_PARAMS');
  });
});
