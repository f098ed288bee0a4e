/**
 * export_wallet / import_wallet / backup_wallet over a real keystore (offline signer): restored
 * wallets have the same keys, addresses and labels; duplicates, wrong networks and locked wallets
 * are refused; backups rotate; watch-only wallets cannot sign.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listBackups } from '../../src/portability/backup-files.ts';
import { decodeBundle, encodeBundle, openBundle, sealBundle } from '../../src/portability/bundle.ts';
import { parseKeyValueBlocks, readVector } from '../vectors/parse-mediawiki.ts';
import { deriveAccount } from '../../src/wallet/keys/hd.ts';
import { mnemonicToSeed } from '../../src/wallet/keys/mnemonic.ts';
import { ABANDON, FAST_SCRYPT, LEGAL, ZOO, openStack, rejection, type Stack } from './helpers.ts';

const BUNDLE_PASS = 'bundle passphrase 123';
const open: Stack[] = [];
async function stack(...args: Parameters<typeof openStack>) {
  const s = await openStack(...args);
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

/** A wallet with issued receive/change addresses and labels. */
async function usedWallet(s: Stack, mnemonic = ABANDON) {
  const w = await s.portability.importWallet({ mnemonic, name: 'main' });
  await s.service.generateAddress(w.id, { label: 'rent' });
  await s.service.generateAddress(w.id, {});
  await s.service.generateAddress(w.id, { label: 'salary' });
  await s.service.generateAddress(w.id, { change: true });
  return w;
}

const publicView = async (s: Stack, id: string) => {
  const info = await s.service.getWalletInfo(id);
  return { xpub: info.xpub, descriptors: info.descriptors, fp: info.masterFingerprint, addresses: await s.service.getAddresses(id) };
};

describe('export → import', () => {
  it('restores the same xpub, descriptors, issued addresses and labels on a fresh keystore', async () => {
    const a = await stack();
    const w = await usedWallet(a);
    const { bundle } = { bundle: await a.portability.exportWallet(w.id, BUNDLE_PASS) };
    const b = await stack();
    const restored = await b.portability.importWallet({ bundle, passphrase: BUNDLE_PASS });
    expect(restored).toMatchObject({ name: 'main', network: 'regtest', addressType: 'p2wpkh', watchOnly: false });
    expect(restored.wallets).toHaveLength(1);
    const before = await publicView(a, w.id);
    expect(before.addresses.map((x) => x.label)).toEqual(['rent', null, 'salary', null]);
    expect(await publicView(b, restored.id)).toEqual(before);
    // The next address continues after the restored ones, and the restored wallet can sign.
    expect((await b.service.generateAddress(restored.id, {})).address).toBe((await a.service.generateAddress(w.id, {})).address);
    const rowsA = await a.keystore.wallets.listAddresses(w.id);
    const rowsB = await b.keystore.wallets.listAddresses(restored.id);
    expect(rowsB.map((r) => r.address).sort()).toEqual(rowsA.map((r) => r.address).sort());
    expect(await b.service.withSeed(await b.service.wallet(restored.id), (seed) => seed.length)).toBe(64);
  });

  it('refuses an export passphrase under 12 characters, naming the field', async () => {
    const a = await stack();
    const w = await usedWallet(a);
    const err = await rejection(a.portability.exportWallet(w.id, 'too short'));
    expect(err.code).toBe('INVALID_PARAMS');
    expect(err.details).toEqual({ field: 'passphrase' });
  });

  it('needs a protected wallet unlocked; its restore keeps the same wallet passphrase', async () => {
    const a = await stack();
    const w = await a.portability.importWallet({ mnemonic: LEGAL, passphrase: 'wallet pass' });
    expect((await rejection(a.portability.exportWallet(w.id, BUNDLE_PASS))).code).toBe('WALLET_LOCKED');
    await a.service.unlockWallet(w.id, { passphrase: 'wallet pass', timeoutSec: 60 });
    const bundle = await a.portability.exportWallet(w.id, BUNDLE_PASS);
    const b = await stack();
    const r = await b.portability.importWallet({ bundle, passphrase: BUNDLE_PASS });
    expect(r.locked).toBe(true);
    expect((await b.service.getWalletInfo(r.id)).hasPassphrase).toBe(true);
    expect((await rejection(b.service.unlockWallet(r.id, { passphrase: 'wrong pass', timeoutSec: 60 }))).code).toBe('BAD_PASSPHRASE');
    b.clock.t += 3_600_000; // past the wrong-passphrase backoff
    await b.service.unlockWallet(r.id, { passphrase: 'wallet pass', timeoutSec: 60 });
    expect((await b.service.getWalletInfo(r.id)).xpub).toBe((await a.service.getWalletInfo(w.id)).xpub);
  });

  it('refuses a wrong bundle passphrase and a tampered bundle', async () => {
    const a = await stack();
    const w = await usedWallet(a);
    const bundle = await a.portability.exportWallet(w.id, BUNDLE_PASS);
    const b = await stack();
    expect((await rejection(b.portability.importWallet({ bundle, passphrase: 'another passphrase' }))).code).toBe('BAD_PASSPHRASE');
    const bytes = decodeBundle(bundle);
    bytes[bytes.length - 20]! ^= 0x80;
    const tampered = Buffer.from(bytes).toString('base64');
    expect((await rejection(b.portability.importWallet({ bundle: tampered, passphrase: BUNDLE_PASS }))).code).toBe('BAD_PASSPHRASE');
    expect(await b.service.listWallets()).toEqual([]);
  });

  it('refuses a wallet that already exists (same seed), by bundle or by mnemonic', async () => {
    const a = await stack();
    const w = await usedWallet(a);
    const bundle = await a.portability.exportWallet(w.id, BUNDLE_PASS);
    const byBundle = await rejection(a.portability.importWallet({ bundle, passphrase: BUNDLE_PASS }));
    expect(byBundle.code).toBe('WALLET_EXISTS');
    expect(byBundle.details).toEqual({ masterFingerprint: '73c5da0a' });
    expect((await rejection(a.portability.importWallet({ mnemonic: ABANDON }))).code).toBe('WALLET_EXISTS');
    expect(await a.service.listWallets()).toHaveLength(1);
  });

  it('lets only one of two concurrent imports of the same seed through', async () => {
    const a = await stack();
    const results = await Promise.allSettled([
      a.portability.importWallet({ mnemonic: ABANDON, name: 'one' }),
      a.portability.importWallet({ mnemonic: ABANDON, name: 'two' }),
      a.portability.importWallet({ xpub: deriveAccount(mnemonicToSeed(ABANDON), 'p2wpkh', a.network).accountXpub }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toBe('WALLET_EXISTS');
    expect(await a.service.listWallets()).toHaveLength(1);
  });

  it('refuses a bundle that holds the same wallet twice, adding nothing', async () => {
    const a = await stack();
    await usedWallet(a);
    const { path } = await a.portability.backupWallets(BUNDLE_PASS);
    const payload = await openBundle(decodeBundle(readFileSync(path, 'utf8')), BUNDLE_PASS);
    const doubled = encodeBundle(await sealBundle({ ...payload, wallets: [payload.wallets[0]!, payload.wallets[0]!] }, BUNDLE_PASS, FAST_SCRYPT));
    const b = await stack();
    expect((await rejection(b.portability.importWallet({ bundle: doubled, passphrase: BUNDLE_PASS }))).code).toBe('WALLET_EXISTS');
    expect(await b.service.listWallets()).toEqual([]);
  });

  it('answers WRONG_NETWORK for a network param or a bundle of another network', async () => {
    const a = await stack();
    expect((await rejection(a.portability.importWallet({ mnemonic: ABANDON, network: 'mainnet' }))).code).toBe('WRONG_NETWORK');
    const m = await stack({ network: 'mainnet' });
    const w = await usedWallet(m);
    const bundle = await m.portability.exportWallet(w.id, BUNDLE_PASS);
    expect((await rejection(a.portability.importWallet({ bundle, passphrase: BUNDLE_PASS }))).code).toBe('WRONG_NETWORK');
  });

  it('needs exactly one source', async () => {
    const a = await stack();
    expect((await rejection(a.portability.importWallet({}))).code).toBe('INVALID_PARAMS');
    expect((await rejection(a.portability.importWallet({ mnemonic: ABANDON, xpub: 'tpubX' }))).code).toBe('INVALID_PARAMS');
    expect((await rejection(a.portability.importWallet({ mnemonic: 'abandon abandon' }))).code).toBe('INVALID_PARAMS');
  });
});

describe('mnemonic import', () => {
  it('matches the BIP-84 vector addresses on mainnet, and rescans from genesis', async () => {
    const [, , ...vectors] = parseKeyValueBlocks(readVector('bip-0084-test-vectors.mediawiki'));
    const m = await stack({ network: 'mainnet' });
    const w = await m.portability.importWallet({ mnemonic: ABANDON, addressType: 'p2wpkh' });
    const rows = await m.keystore.wallets.listAddresses(w.id);
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      const [chain, index] = v.path!.split('/').slice(-2).map(Number);
      const row = rows.find((r) => r.chain === chain && r.index === index);
      expect(row?.address).toBe(v.values.address);
      expect(row?.path).toBe(v.path);
    }
    expect((await m.service.wallet(w.id)).birthHeight).toBe(0);
  });
});

describe('watch-only import', () => {
  it('shows the same addresses from a descriptor or a bare xpub, and answers WALLET_LOCKED to signing', async () => {
    const a = await stack();
    const w = await usedWallet(a);
    const info = await a.service.getWalletInfo(w.id);
    const b = await stack();
    const wo = await b.portability.importWallet({ descriptor: info.descriptors.receive, name: 'cold' });
    expect(wo).toMatchObject({ watchOnly: true, locked: true, name: 'cold' });
    const woInfo = await b.service.getWalletInfo(wo.id);
    expect(woInfo.xpub).toBe(info.xpub);
    expect(woInfo.masterFingerprint).toBe('73c5da0a');
    const rowsA = await a.keystore.wallets.listAddresses(w.id);
    const rowsB = await b.keystore.wallets.listAddresses(wo.id);
    for (const r of rowsB) expect(rowsA.find((x) => x.chain === r.chain && x.index === r.index)?.address).toBe(r.address);
    const lockedErr = await rejection(b.service.withSeed(await b.service.wallet(wo.id), () => 1));
    expect(lockedErr.code).toBe('WALLET_LOCKED');
    expect(lockedErr.details).toEqual({ watchOnly: true });
    expect((await rejection(b.service.unlockWallet(wo.id, { passphrase: 'x', timeoutSec: 5 }))).code).toBe('WALLET_LOCKED');
    expect((await rejection(b.portability.importWallet({ xpub: info.xpub }))).code).toBe('WALLET_EXISTS');
    const c = await stack();
    const byXpub = await c.portability.importWallet({ xpub: info.xpub });
    expect((await c.service.getWalletInfo(byXpub.id)).descriptors.receive).toContain(info.xpub);
  });
});

describe('backup_wallet', () => {
  it('writes one bundle of every wallet, restorable in one import (watch-only and protected included)', async () => {
    const a = await stack();
    const w1 = await usedWallet(a);
    const w2 = await a.portability.importWallet({ mnemonic: LEGAL, passphrase: 'wallet pass', addressType: 'p2tr' });
    const cold = deriveAccount(mnemonicToSeed(ZOO), 'p2wpkh', a.network);
    const w3 = await a.portability.importWallet({ xpub: cold.accountXpub, name: 'cold' });
    const res = await a.portability.backupWallets(BUNDLE_PASS);
    expect(res.wallets).toBe(3);
    expect(res.path.startsWith(join(a.datadir, 'backups'))).toBe(true);
    expect(res.path).toMatch(/walletd-backup-\d{8}T\d{9}Z\.wdb$/);
    const b = await stack();
    const restored = await b.portability.importWallet({ bundle: readFileSync(res.path, 'utf8'), passphrase: BUNDLE_PASS });
    const byName = new Map(restored.wallets.map((x) => [x.name, x]));
    expect([...byName.keys()].sort()).toEqual(['cold', 'main', w2.name].sort());
    expect(byName.get('main')).toMatchObject({ addressType: 'p2wpkh', locked: false, watchOnly: false });
    expect(byName.get(w2.name)).toMatchObject({ addressType: 'p2tr', locked: true, watchOnly: false });
    expect(byName.get('cold')).toMatchObject({ watchOnly: true });
    for (const [from, to] of [[w1.id, byName.get('main')!.id], [w2.id, byName.get(w2.name)!.id], [w3.id, byName.get('cold')!.id]] as const) {
      expect((await b.service.getWalletInfo(to)).descriptors).toEqual((await a.service.getWalletInfo(from)).descriptors);
      expect(await b.service.getAddresses(to)).toEqual(await a.service.getAddresses(from));
    }
  });

  it('keeps only the newest `backup.keep` files', async () => {
    const a = await stack({ backup: { keep: 3 } });
    await usedWallet(a);
    const paths: string[] = [];
    for (let i = 0; i < 5; i++) {
      paths.push((await a.portability.backupWallets(BUNDLE_PASS)).path);
      a.clock.t += 60_000;
    }
    const dir = join(a.datadir, 'backups');
    expect(await listBackups(dir)).toEqual(paths.slice(2).map((p) => p.split('/').pop()));
    expect(readdirSync(dir)).toHaveLength(3);
  });

  it('keeps the backup it just wrote when the clock has stepped back', async () => {
    const a = await stack({ backup: { keep: 1 } });
    await usedWallet(a);
    const first = await a.portability.backupWallets(BUNDLE_PASS);
    a.clock.t -= 3_600_000; // e.g. an NTP correction
    const second = await a.portability.backupWallets(BUNDLE_PASS);
    expect(second.path).not.toBe(first.path);
    expect(existsSync(second.path)).toBe(true);
    expect(await listBackups(join(a.datadir, 'backups'))).toEqual([second.path.split('/').pop()]);
  });

  it('uses backup.dir and the configured passphrase; one of config or param is required', async () => {
    const a = await stack();
    await usedWallet(a);
    expect((await rejection(a.portability.backupWallets())).details).toEqual({ field: 'passphrase' });
    const dir = join(a.datadir, 'elsewhere');
    const configured = await stack({ backup: { dir, passphrase: 'configured passphrase' } });
    await usedWallet(configured);
    const res = await configured.portability.backupWallets();
    expect(res.path.startsWith(dir)).toBe(true);
    expect((await openBundle(decodeBundle(readFileSync(res.path, 'utf8')), 'configured passphrase')).wallets).toHaveLength(1);
    expect((await rejection(configured.portability.backupWallets(BUNDLE_PASS))).code).toBe('INVALID_PARAMS');
  });

  it('leaves no file under a final name when the write fails before the rename', async () => {
    const a = await stack({ beforeRename: () => Promise.reject(new Error('disk full (injected)')) });
    await usedWallet(a);
    await expect(a.portability.backupWallets(BUNDLE_PASS)).rejects.toThrow('disk full');
    const dir = join(a.datadir, 'backups');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('records the bundle KDF cost it was given', async () => {
    const a = await stack();
    const w = await usedWallet(a);
    const bytes = decodeBundle(await a.portability.exportWallet(w.id, BUNDLE_PASS));
    expect(bytes[9]).toBe(Math.log2(FAST_SCRYPT.N));
  });
});
