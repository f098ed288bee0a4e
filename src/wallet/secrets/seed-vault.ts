/**
 * The wallet passphrase layer: each wallet's seed is sealed again inside the keystore under a
 * key that scrypt derives from the wallet passphrase, with AES-256-GCM (node:crypto).
 *
 * Sealed format, version 1 (all integers big-endian):
 *   magic "WDSV" (4) | version (1) | log2 N (1) | r (1) | p (1) | salt (16) | nonce (12) | ciphertext | tag (16)
 * The whole header (magic through nonce) is the AEAD's associated data, so changing the KDF
 * parameters or the salt is detected just like changing the ciphertext.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { fail } from '../../errors.ts';

/** scrypt cost parameters: N (a power of two), r and p. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Magic bytes that open every sealed seed. */
export const VAULT_MAGIC = Uint8Array.from(Buffer.from('WDSV', 'ascii'));
/** Current sealed-seed format version. */
export const VAULT_VERSION = 1;
/** Salt length in bytes. */
export const SALT_BYTES = 16;
/** AES-GCM nonce length in bytes (96 bits, as NIST SP 800-38D recommends). */
export const NONCE_BYTES = 12;
/** AES-GCM authentication tag length in bytes. */
export const TAG_BYTES = 16;
/** Derived key length in bytes (AES-256). */
export const KEY_BYTES = 32;
/** Header length: magic, version, log2 N, r, p, salt, nonce. */
export const HEADER_BYTES = VAULT_MAGIC.length + 4 + SALT_BYTES + NONCE_BYTES;
/** Default scrypt cost: N = 2^15, r = 8, p = 1 (about 32 MiB, tens of ms). */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

// Bounds applied to parameters read back from a blob, so a tampered header cannot make
// openSeed allocate gigabytes or spin for minutes before the AEAD check rejects it.
const MAX_LOG_N = 20;
const MAX_R = 32;
const MAX_P = 16;
/** scrypt's working memory is about 128·N·r bytes; cap it at 256 MiB. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

function inRange({ N, r, p }: ScryptParams): boolean {
  const logN = Math.log2(N);
  return (
    Number.isInteger(logN) && logN >= 1 && logN <= MAX_LOG_N &&
    Number.isInteger(r) && r >= 1 && r <= MAX_R &&
    Number.isInteger(p) && p >= 1 && p <= MAX_P &&
    128 * N * r <= MAX_SCRYPT_MEMORY
  );
}

function checkParams(params: ScryptParams): number {
  if (!inRange(params)) {
    fail('INVALID_PARAMS', `scrypt params out of range (N a power of two up to 2^${MAX_LOG_N}, r<=${MAX_R}, p<=${MAX_P}, 128*N*r<=256 MiB)`);
  }
  return Math.log2(params.N);
}

/** Derives a 32-byte key from a passphrase (NFKC-normalised) with async scrypt. Zero it after use. */
export async function deriveKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  checkParams(params);
  const pass = Buffer.from(passphrase.normalize('NFKC'), 'utf8');
  // scrypt needs about 128*N*r bytes (plus 128*r*p); node's default maxmem of 32 MiB is exactly
  // the default cost, so raise it with headroom instead of failing at the boundary.
  const maxmem = 128 * params.N * params.r * 2 + 128 * params.r * params.p + (1 << 20);
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      scrypt(pass, salt, KEY_BYTES, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) =>
        err ? reject(err) : resolve(key),
      );
    });
  } finally {
    pass.fill(0);
  }
}

/** AES-256-GCM encryption; returns ciphertext followed by the 16-byte tag. */
export function aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

/** AES-256-GCM decryption of ciphertext‖tag; throws WalletdError BAD_PASSPHRASE when authentication fails. */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  if (sealed.length < TAG_BYTES) fail('BAD_PASSPHRASE');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const first = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    const last = decipher.final();
    const out = new Uint8Array(first.length + last.length);
    out.set(first);
    out.set(last, first.length);
    return out;
  } catch {
    fail('BAD_PASSPHRASE');
  } finally {
    // Unauthenticated plaintext must not linger whatever the outcome.
    first.fill(0);
  }
}

/**
 * A passphrase envelope: `magic | version | log2 N | r | p | salt | nonce | ciphertext | tag`,
 * the whole header bound as AES-256-GCM associated data. The seed vault and the export bundle
 * are both envelopes, told apart by their magic.
 */
export interface EnvelopeFormat {
  magic: Uint8Array;
  version: number;
}

/** The seed vault's envelope format. */
export const VAULT_FORMAT: EnvelopeFormat = { magic: VAULT_MAGIC, version: VAULT_VERSION };

/** Header length of an envelope format: magic, version, log2 N, r, p, salt, nonce. */
export function envelopeHeaderBytes(format: EnvelopeFormat): number {
  return format.magic.length + 4 + SALT_BYTES + NONCE_BYTES;
}

/** Encrypts `plaintext` under `passphrase` in `format`, recording the scrypt cost in the header. */
export async function sealEnvelope(
  format: EnvelopeFormat,
  plaintext: Uint8Array,
  passphrase: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<Uint8Array> {
  const logN = checkParams(params);
  const headerBytes = envelopeHeaderBytes(format);
  const header = new Uint8Array(headerBytes);
  header.set(format.magic, 0);
  let o = format.magic.length;
  header[o++] = format.version;
  header[o++] = logN;
  header[o++] = params.r;
  header[o++] = params.p;
  const salt = randomBytes(SALT_BYTES);
  header.set(salt, o);
  header.set(randomBytes(NONCE_BYTES), o + SALT_BYTES);
  const key = await deriveKey(passphrase, salt, params);
  try {
    const body = aeadSeal(key, header.subarray(o + SALT_BYTES), plaintext, header);
    const out = new Uint8Array(headerBytes + body.length);
    out.set(header);
    out.set(body, headerBytes);
    return out;
  } finally {
    key.fill(0);
  }
}

/** An envelope split into its parts, with its KDF parameters checked; opened with `openParsedEnvelope`. */
export interface ParsedEnvelope {
  params: ScryptParams;
  salt: Uint8Array;
  nonce: Uint8Array;
  /** Magic through nonce: the AEAD's associated data. */
  header: Uint8Array;
  /** Ciphertext followed by the tag. */
  body: Uint8Array;
}

/** Splits an envelope into its parts; a malformed blob or out-of-range KDF parameters throw BAD_PASSPHRASE. */
export function parseEnvelope(format: EnvelopeFormat, sealed: Uint8Array): ParsedEnvelope {
  const headerBytes = envelopeHeaderBytes(format);
  if (!(sealed instanceof Uint8Array) || sealed.length < headerBytes + TAG_BYTES) fail('BAD_PASSPHRASE');
  if (!format.magic.every((b, i) => sealed[i] === b)) fail('BAD_PASSPHRASE');
  let o = format.magic.length;
  if (sealed[o++] !== format.version) fail('BAD_PASSPHRASE');
  const params = { N: 2 ** sealed[o++]!, r: sealed[o++]!, p: sealed[o++]! };
  if (!inRange(params)) fail('BAD_PASSPHRASE');
  return {
    params,
    salt: sealed.subarray(o, o + SALT_BYTES),
    nonce: sealed.subarray(o + SALT_BYTES, headerBytes),
    header: sealed.subarray(0, headerBytes),
    body: sealed.subarray(headerBytes),
  };
}

/** Decrypts a parsed envelope with a key already derived from its salt and parameters; no KDF runs. */
export function openParsedEnvelope(parsed: ParsedEnvelope, key: Uint8Array): Uint8Array {
  return aeadOpen(key, parsed.nonce, parsed.body, parsed.header);
}

/** Decrypts an envelope; a wrong passphrase, a changed byte or a malformed blob throws BAD_PASSPHRASE. */
export async function openEnvelope(format: EnvelopeFormat, sealed: Uint8Array, passphrase: string): Promise<Uint8Array> {
  const parsed = parseEnvelope(format, sealed);
  const key = await deriveKey(passphrase, parsed.salt, parsed.params);
  try {
    return openParsedEnvelope(parsed, key);
  } finally {
    key.fill(0);
  }
}

/** Seals a wallet secret under its passphrase (the empty string when the wallet has none). */
export function sealSeed(seed: Uint8Array, passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<Uint8Array> {
  return sealEnvelope(VAULT_FORMAT, seed, passphrase, params);
}

/** Opens a sealed wallet secret; a wrong passphrase, a tampered or a malformed blob throws BAD_PASSPHRASE. */
export function openSeed(sealed: Uint8Array, passphrase: string): Promise<Uint8Array> {
  return openEnvelope(VAULT_FORMAT, sealed, passphrase);
}
