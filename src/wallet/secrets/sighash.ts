/**
 * Signature hashes of one unsigned transaction with the whole-transaction parts hashed once.
 *
 * bitcoinjs-lib recomputes hashPrevouts, hashSequence and hashOutputs (BIP-143), and the five
 * BIP-341 sha_* fields, on every input it signs, so signing n inputs hashes O(n²) bytes. BIP-143
 * and BIP-341 define those parts so that they can be computed once per transaction; this does.
 * Only SIGHASH_ALL (BIP-143) and SIGHASH_DEFAULT / ALL (BIP-341 key path, no annex) are cached:
 * the signer hands any other case to bitcoinjs.
 */
import { createHash } from 'node:crypto';
import { crypto as bcrypto, type Transaction } from 'bitcoinjs-lib';

/** The coin an input spends: what BIP-341 commits to for every input. */
export interface Prevout {
  script: Uint8Array;
  value: bigint;
}

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();
const hash256 = (b: Uint8Array): Buffer => sha256(sha256(b));

/** Bitcoin's CompactSize length prefix. */
export function compactSize(n: number): Buffer {
  if (n < 0xfd) return Buffer.from([n]);
  const b = Buffer.alloc(n <= 0xffff ? 3 : 5);
  if (n <= 0xffff) {
    b[0] = 0xfd;
    b.writeUInt16LE(n, 1);
  } else {
    b[0] = 0xfe;
    b.writeUInt32LE(n, 1);
  }
  return b;
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};
const varSlice = (s: Uint8Array): Buffer => Buffer.concat([compactSize(s.length), s]);

/** Whole-transaction hashes, computed on first use and then reused for every input. */
export class SighashCache {
  private v0?: { prevouts: Buffer; sequences: Buffer; outputs: Buffer };
  private v1?: { for: readonly Prevout[]; prevouts: Buffer; amounts: Buffer; scripts: Buffer; sequences: Buffer; outputs: Buffer };

  constructor(private readonly tx: Transaction) {}

  private outpoints(): Buffer {
    return Buffer.concat(this.tx.ins.flatMap((i) => [i.hash, u32(i.index)]));
  }

  private sequences(): Buffer {
    return Buffer.concat(this.tx.ins.map((i) => u32(i.sequence)));
  }

  private outputs(): Buffer {
    return Buffer.concat(this.tx.outs.flatMap((o) => [u64(o.value), varSlice(o.script)]));
  }

  /** BIP-143 digest of input `index` for SIGHASH_ALL, with `scriptCode` (for P2WPKH the P2PKH template). */
  witnessV0All(index: number, scriptCode: Uint8Array, value: bigint): Uint8Array {
    const input = this.tx.ins[index];
    if (!input) throw new RangeError(`no input #${index}`);
    this.v0 ??= { prevouts: hash256(this.outpoints()), sequences: hash256(this.sequences()), outputs: hash256(this.outputs()) };
    const preimage = Buffer.concat([
      u32(this.tx.version), this.v0.prevouts, this.v0.sequences,
      input.hash, u32(input.index), varSlice(scriptCode), u64(value), u32(input.sequence),
      this.v0.outputs, u32(this.tx.locktime), u32(0x01),
    ]);
    return hash256(preimage);
  }

  /**
   * BIP-341 key-path digest of input `index` for SIGHASH_DEFAULT (0) or SIGHASH_ALL (1), given
   * the coin of every input in order (the same array on every call: its hashes are cached).
   */
  taprootKeyPath(index: number, prevouts: readonly Prevout[], hashType: 0 | 1): Uint8Array {
    if (!this.tx.ins[index]) throw new RangeError(`no input #${index}`);
    if (prevouts.length !== this.tx.ins.length) throw new Error('a prevout is needed for every input');
    if (this.v1 && this.v1.for !== prevouts) throw new Error('taprootKeyPath needs the same prevouts on every call');
    this.v1 ??= {
      for: prevouts,
      prevouts: sha256(this.outpoints()),
      amounts: sha256(Buffer.concat(prevouts.map((p) => u64(p.value)))),
      scripts: sha256(Buffer.concat(prevouts.map((p) => varSlice(p.script)))),
      sequences: sha256(this.sequences()),
      outputs: sha256(this.outputs()),
    };
    const v = this.v1;
    // BIP-341 SigMsg, preceded by the epoch byte 0x00; spend_type 0 = key path without annex.
    const msg = Buffer.concat([
      Buffer.from([0x00, hashType]), u32(this.tx.version), u32(this.tx.locktime),
      v.prevouts, v.amounts, v.scripts, v.sequences, v.outputs, Buffer.from([0x00]), u32(index),
    ]);
    return bcrypto.taggedHash('TapSighash', msg);
  }
}
