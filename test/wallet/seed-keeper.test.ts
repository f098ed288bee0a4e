/** SeedKeeper: the wallet passphrase lifecycle and how seeds are lent to signers. */
import { describe, expect, it } from 'vitest';
import { isWalletdError } from '../../src/errors.ts';
import type { Clock } from '../../src/wallet/ports.ts';
import { SeedKeeper } from '../../src/wallet/secrets/seed-keeper.ts';
import { deriveKey as realDeriveKey, sealSeed, type ScryptParams } from '../../src/wallet/secrets/seed-vault.ts';
import type { WalletRecord } from '../../src/wallet/types.ts';
import { secretFromMnemonic, seedFromSecret } from '../../src/wallet/secrets/wallet-secret.ts';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

/** A clock whose timers fire only when the test advances time. */
function manualClock() {
  let now = 1_000_000;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const clock: Clock = {
    now: () => now,
    setTimer(ms, fn) {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => timers.splice(timers.indexOf(t), 1);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((x) => x.at <= now)) {
      timers.splice(timers.indexOf(t), 1);
      t.fn();
    }
  };
  return { clock, advance };
}

async function wallet(passphrase: string): Promise<WalletRecord> {
  return {
    id: 'w1', name: 'w', network: 'regtest', addressType: 'p2wpkh', accountXpub: 'x', masterFingerprint: '00000000',
    sealedSeed: await sealSeed(secretFromMnemonic(MNEMONIC), passphrase), hasPassphrase: passphrase !== '',
    createdAt: 0, birthHeight: 0, lookahead: 20,
  };
}

const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (isWalletdError(e) ? e.code : String(e)));

describe('SeedKeeper', () => {
  it('lends a copy, so a lock firing during signing cannot zero the signer\u2019s seed', async () => {
    const { clock, advance } = manualClock();
    const keeper = new SeedKeeper(clock, 3600);
    const w = await wallet('pw-123');
    await keeper.unlock(w, { passphrase: 'pw-123', timeoutSec: 60 });
    const expected = seedFromSecret(secretFromMnemonic(MNEMONIC));
    const seen = await keeper.withSeed(w, async (seed) => {
      advance(61_000); // the unlock times out mid-call
      return Buffer.from(seed).toString('hex');
    });
    expect(seen).toBe(Buffer.from(expected).toString('hex'));
    expect(keeper.isLocked(w)).toBe(true);
    expect(await codeOf(keeper.withSeed(w, () => 1))).toBe('WALLET_LOCKED');
  });

  it('zeroes the lent buffer after use', async () => {
    const keeper = new SeedKeeper(manualClock().clock, 3600);
    const w = await wallet('');
    let lent: Uint8Array | undefined;
    await keeper.withSeed(w, (seed) => {
      lent = seed;
    });
    expect(lent!.every((b) => b === 0)).toBe(true);
  });

  it('backs off after a bad passphrase and locks after set_passphrase', async () => {
    const { clock, advance } = manualClock();
    const keeper = new SeedKeeper(clock, 3600);
    const w = await wallet('right-one');
    expect(await codeOf(keeper.unlock(w, { passphrase: 'wrong', timeoutSec: 60 }))).toBe('BAD_PASSPHRASE');
    expect(await codeOf(keeper.unlock(w, { passphrase: 'right-one', timeoutSec: 60 }))).toBe('RATE_LIMITED');
    advance(1_000);
    expect(await codeOf(keeper.unlock(w, { passphrase: 'right-one', timeoutSec: 60 }))).toBe('ok');
    let saved: Uint8Array | undefined;
    await keeper.setPassphrase(w, { old: 'right-one', new: 'next-one' }, async (sealed) => {
      saved = sealed;
    });
    expect(keeper.isLocked(w)).toBe(true);
    const next = { ...w, sealedSeed: saved! };
    expect(await codeOf(keeper.unlock(next, { passphrase: 'right-one', timeoutSec: 60 }))).toBe('BAD_PASSPHRASE');
  });
});

describe('SeedKeeper without a wallet passphrase (issue 10)', () => {
  /** The real scrypt derivation, counted, keeping each derived key to check it was zeroed. */
  function countingKdf() {
    const keys: Uint8Array[] = [];
    const deriveKey = async (passphrase: string, salt: Uint8Array, params: ScryptParams) => {
      const key = await realDeriveKey(passphrase, salt, params);
      keys.push(key);
      return key;
    };
    return { keys, deriveKey };
  }

  it('runs the KDF once, on the first sign, and none for the next signs; each lent seed is right and zeroed after', async () => {
    const kdf = countingKdf();
    const keeper = new SeedKeeper(manualClock().clock, 3600, { deriveKey: kdf.deriveKey });
    const w = await wallet('');
    const expected = Buffer.from(seedFromSecret(secretFromMnemonic(MNEMONIC))).toString('hex');
    const lent: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) {
      const seen = await keeper.withSeed(w, (seed) => {
        lent.push(seed);
        return Buffer.from(seed).toString('hex');
      });
      expect(seen).toBe(expected);
      expect(kdf.keys).toHaveLength(1);
    }
    // Every call got its own buffer, and each is zero once its call returned.
    expect(new Set(lent).size).toBe(5);
    for (const seed of lent) expect(seed.every((b) => b === 0)).toBe(true);
    // The scrypt output is not what is kept: it is zeroed as soon as the blob is open.
    expect(kdf.keys[0]!.every((b) => b === 0)).toBe(true);
    expect(keeper.isLocked(w)).toBe(false);
  });

  it('shares one KDF run between concurrent first signs, and derives again after lockAll or a new blob', async () => {
    const kdf = countingKdf();
    const keeper = new SeedKeeper(manualClock().clock, 3600, { deriveKey: kdf.deriveKey });
    const w = await wallet('');
    await Promise.all([1, 2, 3].map(() => keeper.withSeed(w, () => undefined)));
    expect(kdf.keys).toHaveLength(1);
    keeper.lockAll();
    await keeper.withSeed(w, () => undefined);
    expect(kdf.keys).toHaveLength(2);
    // Same secret sealed again (new salt): the cache must not answer for a blob it did not open.
    const resealed = { ...w, sealedSeed: await sealSeed(secretFromMnemonic(MNEMONIC), '') };
    await keeper.withSeed(resealed, () => undefined);
    expect(kdf.keys).toHaveLength(3);
  });

  it('refuses a tampered blob, and a passphrase wallet still needs its unlock', async () => {
    const keeper = new SeedKeeper(manualClock().clock, 3600);
    const w = await wallet('');
    const bad = Uint8Array.from(w.sealedSeed!);
    bad[bad.length - 1]! ^= 1;
    expect(await codeOf(keeper.withSeed({ ...w, sealedSeed: bad }, () => 1))).toBe('BAD_PASSPHRASE');
    const p = await wallet('pw-1');
    expect(await codeOf(keeper.withSeed(p, () => 1))).toBe('WALLET_LOCKED');
  });
});
