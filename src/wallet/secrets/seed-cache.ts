/**
 * Signing seeds of wallets without a passphrase of their own, without a KDF per signature.
 *
 * Such a wallet's blob is sealed under the empty passphrase, so opening it proves nothing; it
 * only cost a scrypt run (about 100 ms) plus BIP39's PBKDF2 on every sign. Instead, the first
 * sign opens the blob once, derives the BIP39 seed, and keeps it AES-256-GCM-encrypted under a
 * random in-memory key that this cache owns. Each later sign decrypts a fresh copy of the seed
 * for that call only (the caller zeroes it); no plaintext seed stays in memory between calls,
 * and the scrypt-derived key is zeroed as soon as the blob is open.
 */
import { randomBytes } from 'node:crypto';
import { aeadOpen, aeadSeal, deriveKey, NONCE_BYTES, openParsedEnvelope, parseEnvelope, VAULT_FORMAT, type ScryptParams } from './seed-vault.ts';
import { seedFromSecret } from './wallet-secret.ts';

/** The scrypt derivation seed-vault uses; injectable so tests can count KDF runs. */
export type DeriveKey = (passphrase: string, salt: Uint8Array, params: ScryptParams) => Promise<Uint8Array>;

interface Entry {
  /** A copy of the sealed blob this entry was opened from: a changed blob is opened afresh. */
  sealed: Uint8Array;
  key: Uint8Array;
  nonce: Uint8Array;
  boxed: Uint8Array;
  aad: Uint8Array;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

/** Per-wallet boxed seeds for no-passphrase wallets. */
export class NoPassphraseSeeds {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry>>();

  constructor(private readonly derive: DeriveKey = deriveKey) {}

  /** A fresh copy of the wallet's BIP39 seed; the caller zeroes it. Runs the KDF only on first use per blob. */
  async seed(walletId: string, sealed: Uint8Array): Promise<Uint8Array> {
    const entry = await this.entryFor(walletId, sealed);
    return aeadOpen(entry.key, entry.nonce, entry.boxed, entry.aad);
  }

  /** Forgets one wallet's boxed seed and zeroes its key. */
  drop(walletId: string): void {
    const entry = this.entries.get(walletId);
    this.entries.delete(walletId);
    entry?.key.fill(0);
  }

  /** Forgets every boxed seed (shutdown). */
  dropAll(): void {
    for (const walletId of [...this.entries.keys()]) this.drop(walletId);
  }

  private async entryFor(walletId: string, sealed: Uint8Array): Promise<Entry> {
    const cached = this.entries.get(walletId);
    if (cached && sameBytes(cached.sealed, sealed)) return cached;
    let pending = this.pending.get(walletId);
    if (!pending) {
      // Concurrent first signs share one KDF run.
      pending = this.open(walletId, sealed).finally(() => this.pending.delete(walletId));
      this.pending.set(walletId, pending);
    }
    const entry = await pending;
    // A sign that raced a passphrase change opens the new blob itself.
    return sameBytes(entry.sealed, sealed) ? entry : this.open(walletId, sealed);
  }

  private async open(walletId: string, sealed: Uint8Array): Promise<Entry> {
    const parsed = parseEnvelope(VAULT_FORMAT, sealed);
    const kdfKey = await this.derive('', parsed.salt, parsed.params);
    let secret: Uint8Array | undefined;
    let seed: Uint8Array | undefined;
    try {
      secret = openParsedEnvelope(parsed, kdfKey);
      seed = seedFromSecret(secret);
      const key = randomBytes(32);
      const nonce = randomBytes(NONCE_BYTES);
      const aad = Buffer.from(walletId, 'utf8');
      const entry: Entry = { sealed: Uint8Array.from(sealed), key, nonce, boxed: aeadSeal(key, nonce, seed, aad), aad };
      this.drop(walletId);
      this.entries.set(walletId, entry);
      return entry;
    } finally {
      kdfKey.fill(0);
      secret?.fill(0);
      seed?.fill(0);
    }
  }
}
