import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isWalletdError } from '../../src/errors.ts';
import {
  HEADER_BYTES,
  TAG_BYTES,
  VAULT_MAGIC,
  aeadOpen,
  aeadSeal,
  deriveKey,
  openSeed,
  sealSeed,
} from '../../src/wallet/secrets/seed-vault.ts';
import { rejectionCode } from '../harness/error-codes.ts';

// Cheap scrypt cost for tests; one case below runs the default cost once.
const FAST = { N: 2 ** 10, r: 8, p: 1 };

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}

describe('seed vault', () => {
  const seed = Uint8Array.from(randomBytes(64));

  it('round-trips with the default scrypt cost', async () => {
    const sealed = await sealSeed(seed, 'correct horse');
    expect(Buffer.from(sealed.subarray(0, 4)).equals(Buffer.from(VAULT_MAGIC))).toBe(true);
    expect(sealed[5]).toBe(15); // log2 N
    expect(sealed.length).toBe(HEADER_BYTES + seed.length + TAG_BYTES);
    expect(Buffer.from(await openSeed(sealed, 'correct horse')).equals(Buffer.from(seed))).toBe(true);
  });

  it('round-trips an empty passphrase and salts every seal', async () => {
    const a = await sealSeed(seed, '', FAST);
    const b = await sealSeed(seed, '', FAST);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(Buffer.from(await openSeed(b, '')).equals(Buffer.from(seed))).toBe(true);
  });

  it('holds no plaintext seed', async () => {
    const sealed = await sealSeed(seed, 'pw', FAST);
    expect(indexOf(sealed, seed.subarray(0, 8))).toBe(-1);
    expect(indexOf(sealed, seed.subarray(32, 40))).toBe(-1);
  });

  it('refuses a wrong passphrase with BAD_PASSPHRASE', async () => {
    const sealed = await sealSeed(seed, 'right', FAST);
    expect(await rejectionCode(openSeed(sealed, 'wrong'))).toBe('BAD_PASSPHRASE');
  });

  it('refuses a tampered byte anywhere (header, salt, nonce, ciphertext, tag)', async () => {
    const sealed = await sealSeed(seed, 'pw', FAST);
    const positions = [0, 4, 6, 7, 8, 8 + 16, HEADER_BYTES, sealed.length - 1];
    for (const pos of positions) {
      const tampered = Uint8Array.from(sealed);
      tampered[pos] = tampered[pos]! ^ 0x01;
      expect(await rejectionCode(openSeed(tampered, 'pw'))).toBe('BAD_PASSPHRASE');
    }
    expect(await rejectionCode(openSeed(sealed.subarray(0, HEADER_BYTES + 4), 'pw'))).toBe('BAD_PASSPHRASE');
  });

  it('refuses a header whose scrypt cost was raised beyond the bound, before running scrypt', async () => {
    const sealed = await sealSeed(seed, 'pw', FAST);
    const tampered = Uint8Array.from(sealed);
    tampered[5] = 40;
    expect(await rejectionCode(openSeed(tampered, 'pw'))).toBe('BAD_PASSPHRASE');
  });

  it('rejects out-of-range seal parameters', async () => {
    expect(await rejectionCode(sealSeed(seed, 'pw', { N: 1000, r: 8, p: 1 }))).toBe('INVALID_PARAMS');
  });

  it('exposes the KDF and AEAD helpers for other bundles', async () => {
    const salt = randomBytes(16);
    const key = await deriveKey('pässword', salt, FAST);
    expect(key.length).toBe(32);
    // NFKC: a composed and a decomposed ä derive the same key.
    expect((await deriveKey('pa\u0308ssword', salt, FAST)).equals(key)).toBe(true);
    const nonce = randomBytes(12);
    const aad = Buffer.from('header');
    const ct = aeadSeal(key, nonce, Buffer.from('hello'), aad);
    expect(Buffer.from(aeadOpen(key, nonce, ct, aad)).toString()).toBe('hello');
    let code: string | undefined;
    try {
      aeadOpen(key, nonce, ct, Buffer.from('other'));
    } catch (err) {
      code = isWalletdError(err) ? err.code : 'other';
    }
    expect(code).toBe('BAD_PASSPHRASE');
  });
});
