/**
 * Signs and finalizes PSBTs with an account-level private node. It signs only inputs whose
 * derivation names this wallet's master fingerprint and whose derived key matches the PSBT's
 * pubkey, so a PSBT from elsewhere is never signed blindly.
 *
 * Key hygiene: bip32 5's `privateKey` getter returns the node's own buffer, so `fill(0)` on a
 * derived child (or a tweaked signer) really wipes it. Derivation allocates fresh buffers, so
 * wiping a child never touches the account node. Copies inside tiny-secp256k1's WASM memory
 * are beyond our reach.
 */
import * as ecc from 'tiny-secp256k1';
import type { BIP32Interface } from 'bip32';
import { crypto, initEccLib, Psbt, script as bscript, toXOnly, Transaction, type Signer } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import { compactSize, SighashCache, type Prevout } from './sighash.ts';
import type { AddressType, Network } from '../types.ts';

initEccLib(ecc);

/** What signPsbt needs: the account's private node and where it comes from. */
export interface PsbtSigner {
  /** Private, account level (m/84'/c'/0' or m/86'/c'/0'). */
  accountNode: BIP32Interface;
  /** 8 hex chars. */
  masterFingerprint: string;
  addressType: AddressType;
}

/** A signer that grinds ECDSA nonces for low R, so signatures are at most 71 DER bytes. */
function lowRSigner(node: Signer): Signer {
  return {
    publicKey: node.publicKey,
    sign: (hash: Uint8Array) => node.sign(hash, true),
  };
}

/** BIP-341 TapTweak: t = hashTapTweak(xOnlyPubkey || merkleRoot); BIP-86 has no merkle root. */
export function taprootTweak(xOnlyPubkey: Uint8Array, merkleRoot?: Uint8Array): Uint8Array {
  const data = merkleRoot ? Buffer.concat([xOnlyPubkey, merkleRoot]) : xOnlyPubkey;
  return crypto.taggedHash('TapTweak', data);
}

/** Wipes a signer's private key buffer, where the library exposes it. */
function wipe(key: { privateKey?: Uint8Array } | Signer): void {
  (key as { privateKey?: Uint8Array }).privateKey?.fill(0);
}

/** Signs input `i` (P2WPKH, SIGHASH_ALL) with `key`; the BIP-143 digest is bitcoinjs's. */
export function signP2wpkhInput(psbt: Psbt, i: number, key: Signer): void {
  psbt.signInput(i, lowRSigner(key), [0x01]);
}

/**
 * Signs input `i` on the BIP-86 key path: tweaks `key` with its own x-only pubkey, then wipes
 * the tweaked key. BIP-341: SIGHASH_DEFAULT (0) gives a 64-byte signature; others are tests' use.
 */
export function signP2trKeyPathInput(psbt: Psbt, i: number, key: BIP32Interface, sighashType = 0x00): void {
  const tweaked = key.tweak(taprootTweak(toXOnly(key.publicKey)));
  try {
    psbt.signTaprootInput(i, tweaked, undefined, [sighashType]);
  } finally {
    wipe(tweaked);
  }
}

/** chain/index from a path under the account, or null when it is not a non-hardened `…/c/i`. */
function childSteps(path: string): [number, number] | null {
  const parts = path.split('/');
  if (parts.length < 3) return null;
  const tail = parts.slice(-2);
  if (tail.some((p) => !/^\d+$/.test(p))) return null;
  const [chain, index] = tail.map(Number) as [number, number];
  return chain <= 1 && index < 0x80000000 ? [chain, index] : null;
}

type PsbtInput = Psbt['data']['inputs'][number];

/** The transaction-wide state one signPsbt call shares across inputs: sighash midstates and prevouts. */
class SigningContext {
  private cache?: SighashCache;
  private prevouts?: Prevout[] | null;

  constructor(private readonly psbt: Psbt) {}

  sighashes(): SighashCache {
    return (this.cache ??= new SighashCache(Transaction.fromBuffer(this.psbt.data.getTransaction())));
  }

  /** Every input's coin from its witnessUtxo, or null when one lacks it or also has a nonWitnessUtxo (bitcoinjs prefers that). */
  allPrevouts(): Prevout[] | null {
    if (this.prevouts !== undefined) return this.prevouts;
    const ins = this.psbt.data.inputs;
    const ok = ins.every((x) => x.witnessUtxo && !x.nonWitnessUtxo);
    return (this.prevouts = ok ? ins.map((x) => ({ script: x.witnessUtxo!.script, value: x.witnessUtxo!.value })) : null);
  }
}

/**
 * P2WPKH SIGHASH_ALL with the cached BIP-143 midstate. Returns false, having done nothing, for
 * any input it does not cover, so the caller falls back to bitcoinjs's own signInput.
 */
function signP2wpkhCached(psbt: Psbt, i: number, input: PsbtInput, key: BIP32Interface, ctx: SigningContext): boolean {
  const utxo = input.witnessUtxo;
  if (!utxo || input.nonWitnessUtxo || input.redeemScript || input.witnessScript) return false;
  if (input.sighashType !== undefined && input.sighashType !== Transaction.SIGHASH_ALL) return false;
  if (input.tapInternalKey || input.tapMerkleRoot || input.tapLeafScript?.length || input.tapBip32Derivation?.length) return false;
  const h160 = crypto.hash160(key.publicKey);
  // The coin must pay to this key (bitcoinjs refuses otherwise; the fallback reports it).
  if (!Buffer.from(utxo.script).equals(Buffer.concat([Buffer.from([0x00, 0x14]), h160]))) return false;
  // BIP-143: a P2WPKH scriptCode is the P2PKH template of the key hash.
  const scriptCode = Buffer.concat([Buffer.from([0x76, 0xa9, 0x14]), h160, Buffer.from([0x88, 0xac])]);
  const hash = ctx.sighashes().witnessV0All(i, scriptCode, utxo.value);
  const signature = bscript.signature.encode(key.sign(hash, true), Transaction.SIGHASH_ALL);
  psbt.data.updateInput(i, { partialSig: [{ pubkey: key.publicKey, signature }] });
  return true;
}

/** BIP-86 key path with SIGHASH_DEFAULT and the cached BIP-341 hashes; false (nothing done) when not covered. */
function signP2trCached(psbt: Psbt, i: number, input: PsbtInput, key: BIP32Interface, ctx: SigningContext): boolean {
  const utxo = input.witnessUtxo;
  if (!utxo || !input.tapInternalKey || input.tapLeafScript?.length) return false;
  if (input.sighashType !== undefined && input.sighashType !== Transaction.SIGHASH_DEFAULT) return false;
  const prevouts = ctx.allPrevouts();
  if (!prevouts) return false;
  const tweaked = key.tweak(taprootTweak(toXOnly(key.publicKey)));
  try {
    const outputKey = Buffer.concat([Buffer.from([0x51, 0x20]), toXOnly(tweaked.publicKey)]);
    if (!outputKey.equals(utxo.script)) return false;
    const hash = ctx.sighashes().taprootKeyPath(i, prevouts, Transaction.SIGHASH_DEFAULT);
    // SIGHASH_DEFAULT: the bare 64-byte signature, as bitcoinjs's serializeTaprootSignature writes it.
    psbt.data.updateInput(i, { tapKeySig: tweaked.signSchnorr!(hash) });
    return true;
  } finally {
    wipe(tweaked);
  }
}

/**
 * Signs every input of `psbt` that belongs to this wallet; returns how many it signed. The
 * signature hashes share one transaction-wide midstate (sighash.ts), so n inputs cost O(n).
 */
export function signPsbt(psbt: Psbt, signer: PsbtSigner): { signed: number } {
  if (signer.accountNode.isNeutered()) fail('WATCH_ONLY');
  const fp = signer.masterFingerprint.toLowerCase();
  const ours = (d: { masterFingerprint: Uint8Array }): boolean => Buffer.from(d.masterFingerprint).toString('hex') === fp;
  const ctx = new SigningContext(psbt);
  // One node per chain (receive, change): deriving it again for every input would double the EC work.
  const chains = new Map<number, BIP32Interface>();
  const chainNode = (chain: number) => chains.get(chain) ?? chains.set(chain, signer.accountNode.derive(chain)).get(chain)!;
  let signed = 0;
  try {
    psbt.data.inputs.forEach((input, i) => {
      if (input.finalScriptWitness || input.finalScriptSig) return;
      const derivations = signer.addressType === 'p2wpkh' ? input.bip32Derivation : input.tapBip32Derivation;
      const mine = derivations?.find(ours);
      const steps = mine ? childSteps(mine.path) : null;
      if (!mine || !steps) return;
      const child = chainNode(steps[0]).derive(steps[1]);
      try {
        if (signer.addressType === 'p2wpkh') {
          if (!Buffer.from(child.publicKey).equals(mine.pubkey)) return;
          if (!signP2wpkhCached(psbt, i, input, child, ctx)) signP2wpkhInput(psbt, i, child);
        } else {
          const xOnly = toXOnly(child.publicKey);
          if (!Buffer.from(xOnly).equals(mine.pubkey)) return;
          if (input.tapInternalKey && !Buffer.from(xOnly).equals(input.tapInternalKey)) return;
          if (!input.tapInternalKey) psbt.updateInput(i, { tapInternalKey: xOnly });
          // A script tree would change the tweak; walletd's BIP-86 keys never have one.
          if (input.tapMerkleRoot) return;
          if (!signP2trCached(psbt, i, input, child, ctx)) signP2trKeyPathInput(psbt, i, child);
        }
        signed += 1;
      } finally {
        wipe(child);
      }
    });
  } finally {
    for (const node of chains.values()) wipe(node);
  }
  return { signed };
}

/** A BIP-141 witness stack as PSBT_IN_FINAL_SCRIPTWITNESS holds it: item count, then each item with its length. */
function serializeWitness(items: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat([compactSize(items.length), ...items.flatMap((x) => [compactSize(x.length), x])]);
}

/**
 * The two witnesses walletd itself signs, written directly: P2WPKH `[sig, pubkey]` and the
 * BIP-341 key path `[sig]`. bitcoinjs's finalizeInput builds them through its payments API at
 * about half a millisecond per input; the bytes are the same. False (nothing done) otherwise.
 */
function finalizeOwnInput(psbt: Psbt, i: number, input: PsbtInput): boolean {
  const script = input.witnessUtxo?.script;
  if (!script || input.nonWitnessUtxo || input.redeemScript || input.witnessScript) return false;
  let witness: Uint8Array[];
  if (script.length === 34 && script[0] === 0x51 && script[1] === 0x20 && input.tapKeySig) {
    witness = [input.tapKeySig];
  } else if (script.length === 22 && script[0] === 0x00 && script[1] === 0x14 && input.partialSig?.length === 1) {
    if (input.tapInternalKey || input.tapMerkleRoot || input.tapLeafScript?.length || input.tapBip32Derivation?.length) return false;
    const [{ pubkey, signature }] = input.partialSig as [{ pubkey: Uint8Array; signature: Uint8Array }];
    if (!Buffer.from(crypto.hash160(pubkey)).equals(script.subarray(2)) || !bscript.isCanonicalScriptSignature(signature)) return false;
    witness = [signature, pubkey];
  } else {
    return false;
  }
  psbt.data.updateInput(i, { finalScriptWitness: serializeWitness(witness) });
  psbt.data.clearFinalizedInput(i);
  return true;
}

/** Finalizes every input it can; the transaction hex comes back only when all are final. */
export function finalizePsbt(psbt: Psbt): { complete: boolean; hex: string | null } {
  let complete = true;
  psbt.data.inputs.forEach((input, i) => {
    if (input.finalScriptWitness || input.finalScriptSig) return;
    try {
      if (!finalizeOwnInput(psbt, i, input)) psbt.finalizeInput(i);
    } catch {
      complete = false;
    }
  });
  // Fee caps are the service's job (maxFeeRate, maxFeeSats), so bitcoinjs's own check is off.
  return { complete, hex: complete ? psbt.extractTransaction(true).toHex() : null };
}

/** Parses a base64 PSBT for `network`; anything else is INVALID_PARAMS. */
export function psbtFromBase64(b64: string, network: Network): Psbt {
  const trimmed = b64.trim();
  if (trimmed.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) fail('INVALID_PARAMS', 'psbt is not base64');
  try {
    return Psbt.fromBase64(trimmed, { network: network.params });
  } catch {
    return fail('INVALID_PARAMS', 'psbt does not parse');
  }
}
