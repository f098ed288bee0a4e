/** Shared helpers for keystore tests: temp dirs and fixture records. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeystoreKey } from '../../src/keystore/database.ts';
import type { AddressRecord, WalletRecord } from '../../src/wallet/types.ts';

/** A fresh temp dir and its cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'walletd-ks-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A random raw key (skips the KDF, so tests stay fast). */
export function rawKey(): KeystoreKey {
  return { kind: 'raw', hex: randomBytes(32).toString('hex') };
}

/** A wallet record with overridable fields. */
export function walletRecord(over: Partial<WalletRecord> = {}): WalletRecord {
  return {
    id: 'w1',
    name: 'main',
    network: 'regtest',
    addressType: 'p2wpkh',
    accountXpub: 'tpubD6NzVbkrYhZ4WaWSyoBvQwbpLkojyoTZPRsgXELWz3Popb3qkjcJyJUGLnL4qHHoQvao8ESaAstxYSnhyswJ76uZPStJRJCTKvosUCJZL5B',
    masterFingerprint: '73c5da0a',
    sealedSeed: new Uint8Array([1, 2, 3, 250]),
    hasPassphrase: false,
    createdAt: 1_700_000_000_000,
    birthHeight: 0,
    lookahead: 20,
    ...over,
  };
}

/** A receive or change address for wallet `walletId`. */
export function addressRecord(walletId: string, chain: 0 | 1, index: number): AddressRecord {
  return {
    walletId,
    chain,
    index,
    address: `bcrt1q${walletId}${chain}x${index}`,
    script: `0014${walletId}${chain}${String(index).padStart(4, '0')}`,
    path: `m/84'/1'/0'/${chain}/${index}`,
    label: null,
    issued: false,
    used: false,
  };
}
