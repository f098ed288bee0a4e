/**
 * Everything that touches a wallet's secret: sealing it under the wallet passphrase, unlocking
 * with a timeout and backoff, and lending the seed to a signer. Kept apart and small so the code
 * that handles key material is easy to audit.
 */
import { fail } from '../../errors.ts';
import type { Clock } from '../ports.ts';
import { NoPassphraseSeeds, type DeriveKey } from './seed-cache.ts';
import { openSeed, sealSeed } from './seed-vault.ts';
import type { WalletRecord } from '../types.ts';
import { UnlockManager } from './unlock-manager.ts';
import { seedFromSecret } from './wallet-secret.ts';

/** Holds unlocked seeds and performs every operation on a wallet's sealed secret. */
export class SeedKeeper {
  private readonly unlocks: UnlockManager;
  private readonly unprotected: NoPassphraseSeeds;

  /** `opts.deriveKey` replaces the scrypt derivation of no-passphrase wallets (tests count KDF runs with it). */
  constructor(clock: Clock, maxUnlockSeconds: number, opts: { deriveKey?: DeriveKey } = {}) {
    this.unlocks = new UnlockManager(clock, { maxTimeoutSec: maxUnlockSeconds });
    this.unprotected = new NoPassphraseSeeds(opts.deriveKey);
  }

  /** Watch-only wallets are always locked; a wallet without a passphrase never is. */
  isLocked(w: WalletRecord): boolean {
    if (w.sealedSeed === null) return true;
    return w.hasPassphrase && this.unlocks.getSeed(w.id) === null;
  }

  /** Unix ms until which a passphrase-protected wallet stays unlocked, or null. */
  unlockedUntil(w: WalletRecord): number | null {
    return w.hasPassphrase ? this.unlocks.unlockedUntil(w.id) : null;
  }

  /**
   * Runs `fn` with the wallet's BIP39 seed: a copy of the unlocked seed (so an auto-lock firing
   * meanwhile cannot zero it under the signer), or, without a passphrase, a copy decrypted for
   * this call only, with no KDF after the first sign (seed-cache.ts). The buffer is zeroed
   * afterwards either way.
   */
  async withSeed<T>(w: WalletRecord, fn: (seed: Uint8Array) => Promise<T> | T): Promise<T> {
    if (w.sealedSeed === null) fail('WALLET_LOCKED', 'watch-only wallet has no keys to sign with', { watchOnly: true });
    let seed: Uint8Array;
    if (w.hasPassphrase) seed = Uint8Array.from(this.unlocks.getSeed(w.id) ?? fail('WALLET_LOCKED'));
    else seed = await this.unprotected.seed(w.id, w.sealedSeed);
    try {
      return await fn(seed);
    } finally {
      seed.fill(0);
    }
  }

  /**
   * Seals the secret under a new passphrase and hands the blob to `save`. The wallet is locked
   * afterwards, as after Bitcoin Core's encryptwallet.
   */
  async setPassphrase(w: WalletRecord, req: { old?: string; new: string }, save: (sealed: Uint8Array) => Promise<void>): Promise<void> {
    if (w.sealedSeed === null) fail('WALLET_LOCKED', 'watch-only wallet has no seed to protect', { watchOnly: true });
    if (w.hasPassphrase && req.old === undefined) fail('BAD_PASSPHRASE', 'the current passphrase is required');
    const secret = await this.openWithBackoff(w, w.hasPassphrase ? req.old! : '');
    try {
      await save(await sealSeed(secret, req.new));
    } finally {
      secret.fill(0);
    }
    this.unlocks.lock(w.id);
    this.unprotected.drop(w.id);
  }

  /** Unlocks signing for `timeoutSec`; a wrong passphrase fails with BAD_PASSPHRASE and backs off. */
  async unlock(w: WalletRecord, req: { passphrase: string; timeoutSec: number }): Promise<void> {
    if (w.sealedSeed === null) fail('WALLET_LOCKED', 'watch-only wallet has no keys to unlock', { watchOnly: true });
    const secret = await this.openWithBackoff(w, w.hasPassphrase ? req.passphrase : '');
    try {
      this.unlocks.unlock(w.id, seedFromSecret(secret), req.timeoutSec);
    } finally {
      secret.fill(0);
    }
  }

  /** Locks one wallet now, zeroing its seed. */
  lock(walletId: string): void {
    this.unlocks.lock(walletId);
    this.unprotected.drop(walletId);
  }

  /** Locks every wallet (shutdown). */
  lockAll(): void {
    this.unlocks.lockAll();
    this.unprotected.dropAll();
  }

  /** Opens the sealed secret after the backoff check, recording the outcome for the next try. */
  private async openWithBackoff(w: WalletRecord, passphrase: string): Promise<Uint8Array> {
    this.unlocks.assertCanAttempt(w.id);
    try {
      const secret = await openSeed(w.sealedSeed!, passphrase);
      this.unlocks.recordSuccess(w.id);
      return secret;
    } catch (err) {
      this.unlocks.recordFailure(w.id);
      throw err;
    }
  }
}
