/** The bundle format: round trip, recorded KDF cost, and refusal of tampering and wrong passphrases. */
import { describe, expect, it } from 'vitest';
import {
  BUNDLE_HEADER_BYTES, BUNDLE_MAGIC, BUNDLE_SCRYPT, bundleParams, decodeBundle, encodeBundle, openBundle, sealBundle,
  type BundlePayload,
} from '../../src/portability/bundle.ts';
import { TAG_BYTES } from '../../src/wallet/secrets/seed-vault.ts';
import { FAST_SCRYPT, rejection } from './helpers.ts';

const PASS = 'twelve chars or more';
const payload: BundlePayload = {
  format: 'walletd-bundle', version: 1, createdAt: 1_900_000_000_000,
  wallets: [{
    name: 'savings', network: 'regtest', addressType: 'p2wpkh', accountXpub: 'tpubEXAMPLE', masterFingerprint: '73c5da0a',
    secret: Buffer.from([1, 16, ...new Array(16).fill(0)]).toString('base64'),
    nextIndex: { receive: 3, change: 1 }, labels: [{ chain: 0, index: 1, label: 'rent' }], birthHeight: 7,
  }],
};

describe('wallet bundle', () => {
  it('round-trips a payload and records magic, version and scrypt cost in the header', async () => {
    const bytes = await sealBundle(payload, PASS, FAST_SCRYPT);
    expect(Buffer.from(bytes.subarray(0, 8)).toString('ascii')).toBe('WDBUNDLE');
    expect(bytes[8]).toBe(1);
    expect(bundleParams(bytes)).toEqual(FAST_SCRYPT);
    expect(bytes.length).toBeGreaterThan(BUNDLE_HEADER_BYTES + TAG_BYTES);
    expect(await openBundle(decodeBundle(encodeBundle(bytes)), PASS)).toEqual(payload);
  });

  it('uses N=2^17, r=8, p=1 by default and still opens', async () => {
    const bytes = await sealBundle(payload, PASS);
    expect(bundleParams(bytes)).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect(BUNDLE_SCRYPT.N).toBe(131072);
    expect((await openBundle(bytes, PASS)).wallets[0]!.name).toBe('savings');
  });

  it('salts and nonces every bundle afresh', async () => {
    const a = await sealBundle(payload, PASS, FAST_SCRYPT);
    const b = await sealBundle(payload, PASS, FAST_SCRYPT);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('refuses a wrong passphrase with BAD_PASSPHRASE', async () => {
    const bytes = await sealBundle(payload, PASS, FAST_SCRYPT);
    expect((await rejection(openBundle(bytes, 'twelve chars or more!'))).code).toBe('BAD_PASSPHRASE');
  });

  it('refuses a bundle with any single tampered byte after the magic (header, salt, nonce, ciphertext, tag)', async () => {
    const bytes = await sealBundle(payload, PASS, FAST_SCRYPT);
    // version byte (9th) is checked as a format field; every other byte is authenticated.
    const positions = [10, 11, 12, 20, 30, 36, 39, BUNDLE_HEADER_BYTES, BUNDLE_HEADER_BYTES + 5, bytes.length - TAG_BYTES - 1, bytes.length - 1];
    for (const at of positions) {
      const bad = Uint8Array.from(bytes);
      bad[at]! ^= 0x01;
      const err = await rejection(openBundle(bad, PASS));
      expect(err.code, `byte ${at}`).toBe('BAD_PASSPHRASE');
    }
    const raised = Uint8Array.from(bytes);
    raised[BUNDLE_MAGIC.length + 1] = 40; // N = 2^40: refused before any KDF work
    expect((await rejection(openBundle(raised, PASS))).code).toBe('BAD_PASSPHRASE');
  });

  it('answers INVALID_PARAMS for garbage, non-base64 text, a truncated file or an unknown version', async () => {
    expect((await rejection(openBundle(new Uint8Array(200).fill(7), PASS))).code).toBe('INVALID_PARAMS');
    expect(() => decodeBundle('not base64 at all!')).toThrow(expect.objectContaining({ code: 'INVALID_PARAMS' }));
    const bytes = await sealBundle(payload, PASS, FAST_SCRYPT);
    expect((await rejection(openBundle(bytes.subarray(0, 30), PASS))).code).toBe('INVALID_PARAMS');
    const v2 = Uint8Array.from(bytes);
    v2[8] = 2;
    expect((await rejection(openBundle(v2, PASS))).code).toBe('INVALID_PARAMS');
  });

  it('refuses to seal under a passphrase shorter than 12 characters, naming the field', async () => {
    const err = await rejection(sealBundle(payload, 'short', FAST_SCRYPT));
    expect(err.code).toBe('INVALID_PARAMS');
    expect(err.details).toEqual({ field: 'passphrase' });
  });
});
