/**
 * The wallet bundle: the only way key material leaves walletd (SPEC §1), as an encrypted,
 * versioned blob that another program can read with scrypt and AES-256-GCM alone.
 *
 * Byte layout, version 1 (integers big-endian; see docs/bundle-format.md):
 *   magic "WDBUNDLE" (8) | version (1) | log2 N (1) | r (1) | p (1) | salt (16) | nonce (12)
 *   | ciphertext of the UTF-8 JSON payload | GCM tag (16)
 * The 40-byte header is the AEAD's associated data, so a changed KDF parameter, salt or nonce
 * fails authentication exactly like a changed ciphertext byte. Pure: no fs, no clock.
 */
import { fail, isWalletdError } from '../errors.ts';
import {
  envelopeHeaderBytes, openEnvelope, sealEnvelope, TAG_BYTES, type EnvelopeFormat, type ScryptParams,
} from '../wallet/secrets/seed-vault.ts';
import type { AddressType, NetworkName } from '../wallet/types.ts';

/** Magic bytes opening every bundle. */
export const BUNDLE_MAGIC = Uint8Array.from(Buffer.from('WDBUNDLE', 'ascii'));
/** Current bundle format version. */
export const BUNDLE_VERSION = 1;
/** A bundle is a seed-vault envelope with its own magic. */
const BUNDLE_FORMAT: EnvelopeFormat = { magic: BUNDLE_MAGIC, version: BUNDLE_VERSION };
/** Header length: magic, version, log2 N, r, p, salt, nonce. */
export const BUNDLE_HEADER_BYTES = envelopeHeaderBytes(BUNDLE_FORMAT);
/** Default scrypt cost of a bundle: N = 2^17, r = 8, p = 1 (128 MiB), stronger than the in-keystore vault. */
export const BUNDLE_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });
/** Minimum length of a bundle passphrase. */
export const MIN_BUNDLE_PASSPHRASE = 12;

/** One address label, by chain (0 receive, 1 change) and index. */
export interface BundleLabel {
  chain: 0 | 1;
  index: number;
  label: string;
}

/** One wallet inside a bundle payload. */
export interface BundleWallet {
  /** The wallet's id, kept by a restore so scripts and re-minted tokens still name it (absent in older bundles). */
  id?: string;
  name: string;
  network: NetworkName;
  addressType: AddressType;
  /** Public account key; a restore checks the secret against it. */
  accountXpub: string;
  masterFingerprint: string;
  /** Base64 wallet secret (BIP39 entropy blob, wallet-secret.ts) of a wallet without a passphrase. */
  secret?: string;
  /** Base64 seed-vault blob of a passphrase-protected wallet; restored as is, so it keeps its passphrase. */
  sealedSecret?: string;
  /** Next unissued index per chain: one past the highest issued or used address. */
  nextIndex: { receive: number; change: number };
  labels: BundleLabel[];
  birthHeight: number;
  /** Unused addresses kept derived past the last used one (absent in older bundles: the gap limit). */
  lookahead?: number;
}

/** The decrypted payload: token-free wallet state only. */
export interface BundlePayload {
  format: 'walletd-bundle';
  version: 1;
  /** Unix ms of the export. */
  createdAt: number;
  wallets: BundleWallet[];
}

function checkPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || [...passphrase].length < MIN_BUNDLE_PASSPHRASE) {
    fail('INVALID_PARAMS', `passphrase must be at least ${MIN_BUNDLE_PASSPHRASE} characters`, { field: 'passphrase' });
  }
}

/** Encrypts a payload under `passphrase`; `params` lower than the default are for tests only. */
export async function sealBundle(
  payload: BundlePayload,
  passphrase: string,
  params: ScryptParams = BUNDLE_SCRYPT,
): Promise<Uint8Array> {
  checkPassphrase(passphrase);
  const plain = Buffer.from(JSON.stringify(payload), 'utf8');
  try {
    return await sealEnvelope(BUNDLE_FORMAT, plain, passphrase, params);
  } finally {
    plain.fill(0);
  }
}

/** The scrypt parameters a bundle records, or INVALID_PARAMS when it is not a bundle. */
export function bundleParams(bytes: Uint8Array): ScryptParams {
  if (bytes.length < BUNDLE_HEADER_BYTES + TAG_BYTES || !BUNDLE_MAGIC.every((b, i) => bytes[i] === b)) {
    fail('INVALID_PARAMS', 'bundle is not a walletd bundle', { field: 'bundle' });
  }
  const version = bytes[BUNDLE_MAGIC.length]!;
  if (version !== BUNDLE_VERSION) fail('INVALID_PARAMS', `unsupported bundle version ${version}`, { field: 'bundle' });
  const o = BUNDLE_MAGIC.length + 1;
  const params = { N: 2 ** bytes[o]!, r: bytes[o + 1]!, p: bytes[o + 2]! };
  // Issue 12: the header picks its own cost, so a crafted bundle could ask for gigabytes and
  // minutes of KDF before failing. Accept at most twice the default memory and work.
  const memory = params.N * params.r;
  const work = memory * params.p;
  const base = BUNDLE_SCRYPT.N * BUNDLE_SCRYPT.r;
  // A changed header byte answers as any other changed byte does (BAD_PASSPHRASE), before any KDF.
  if (memory > 2 * base || work > 2 * base * BUNDLE_SCRYPT.p) {
    fail('BAD_PASSPHRASE', 'bundle asks for more key-derivation work than walletd accepts', { field: 'bundle', limit: 'scrypt' });
  }
  return params;
}

/**
 * Decrypts and validates a bundle. Not a bundle → INVALID_PARAMS; a wrong passphrase or any
 * changed byte → BAD_PASSPHRASE (GCM cannot tell them apart, and need not).
 */
export async function openBundle(bytes: Uint8Array, passphrase: string): Promise<BundlePayload> {
  bundleParams(bytes);
  const plain = await openEnvelope(BUNDLE_FORMAT, bytes, passphrase);
  try {
    return validatePayload(JSON.parse(Buffer.from(plain).toString('utf8')));
  } catch (err) {
    if (isWalletdError(err)) throw err;
    fail('INVALID_PARAMS', 'bundle payload is not valid JSON', { field: 'bundle' });
  } finally {
    plain.fill(0);
  }
}

const NETWORKS = new Set(['mainnet', 'testnet', 'signet', 'regtest']);
const isIndex = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) < 2 ** 31;

function validatePayload(raw: unknown): BundlePayload {
  const bad = (what: string): never => fail('INVALID_PARAMS', `bundle payload: ${what}`, { field: 'bundle' });
  const p = raw as Partial<BundlePayload> | null;
  if (p === null || typeof p !== 'object' || p.format !== 'walletd-bundle' || p.version !== 1) bad('unknown format');
  if (!Array.isArray(p!.wallets) || p!.wallets.length === 0) bad('no wallets');
  for (const w of p!.wallets!) {
    if (w?.id !== undefined && (typeof w.id !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(w.id))) bad('wallet id');
    if (typeof w?.name !== 'string' || !NETWORKS.has(w.network) || !['p2wpkh', 'p2tr'].includes(w.addressType)) bad('wallet fields');
    if (typeof w.accountXpub !== 'string' || typeof w.masterFingerprint !== 'string') bad('wallet keys');
    if (w.secret !== undefined && typeof w.secret !== 'string') bad('secret');
    if (w.sealedSecret !== undefined && typeof w.sealedSecret !== 'string') bad('sealedSecret');
    if (!isIndex(w.nextIndex?.receive) || !isIndex(w.nextIndex?.change) || !isIndex(w.birthHeight)) bad('derivation state');
    if (w.lookahead !== undefined && (!isIndex(w.lookahead) || w.lookahead < 1 || w.lookahead > 100_000)) bad('derivation state');
    if (!Array.isArray(w.labels) || !w.labels.every((l) => (l.chain === 0 || l.chain === 1) && isIndex(l.index) && typeof l.label === 'string')) bad('labels');
  }
  return p as BundlePayload;
}

/** Base64 text of a bundle, as export_wallet returns it and backup files hold it. */
export function encodeBundle(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Bytes of a base64 bundle (whitespace ignored); INVALID_PARAMS when it is not base64. */
export function decodeBundle(text: string): Uint8Array {
  const compact = typeof text === 'string' ? text.replace(/\s+/g, '') : '';
  if (compact.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    fail('INVALID_PARAMS', 'bundle must be base64', { field: 'bundle' });
  }
  return new Uint8Array(Buffer.from(compact, 'base64'));
}
