/**
 * BIP-143 "Native P2WPKH" example (test/vectors/bip143-native-p2wpkh.txt, verbatim from
 * bitcoin/bips): our P2WPKH signing path must reproduce the BIP's sighash, signature and the
 * serialized signed transaction byte for byte (RFC6979 makes ECDSA deterministic).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ecc from 'tiny-secp256k1';
import { ECPairFactory } from 'ecpair';
import { Psbt, script as bscript, Transaction } from 'bitcoinjs-lib';
import { signP2wpkhInput } from '../../src/wallet/secrets/psbt-signer.ts';

const text = readFileSync(new URL('../vectors/bip143-native-p2wpkh.txt', import.meta.url), 'utf8');
const ECPair = ECPairFactory(ecc);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const field = (re: RegExp): string => {
  const m = re.exec(text);
  if (!m?.[1]) throw new Error(`vector field missing: ${re}`);
  return m[1];
};

const unsignedHex = field(/unsigned transaction:\s*\n\s*([0-9a-f]+)/);
const p2pkScript = field(/ordinary P2PK:\s*\n\s*scriptPubKey : ([0-9a-f]+)/);
const p2pkKey = field(/ordinary P2PK:[\s\S]*?private key\s*: ([0-9a-f]{64})/);
const p2wpkhScript = field(/P2WPKH witness program:\s*\n\s*scriptPubKey : ([0-9a-f]+)/);
const p2wpkhValueBtc = field(/P2WPKH witness program:[\s\S]*?value: ([0-9.]+)/);
const p2wpkhKey = field(/P2WPKH witness program:[\s\S]*?private key\s*: ([0-9a-f]{64})/);
const sigHash = field(/sigHash:\s+([0-9a-f]{64})/);
const signature = field(/signature:\s+([0-9a-f]+)/);
const signedHex = field(/serialized signed transaction is: ([0-9a-f]+)/);

describe('BIP-143 native P2WPKH', () => {
  const tx = Transaction.fromHex(unsignedHex);
  const value = BigInt(Math.round(Number(p2wpkhValueBtc) * 1e8));

  it('computes the BIP-143 sighash for the P2WPKH input', () => {
    const key = ECPair.fromPrivateKey(Buffer.from(p2wpkhKey, 'hex'));
    // BIP-143: the scriptCode of P2WPKH is the P2PKH script of the key hash.
    const scriptCode = bscript.compile([0x76, 0xa9, Buffer.from(p2wpkhScript, 'hex').subarray(2), 0x88, 0xac]);
    expect(hex(tx.hashForWitnessV0(1, scriptCode, value, Transaction.SIGHASH_ALL))).toBe(sigHash);
    expect(hex(key.publicKey)).toBe(field(/public key\s*: ([0-9a-f]{66})/));
  });

  it('signs through the PSBT path and reproduces the signed transaction', () => {
    const psbt = new Psbt();
    psbt.setVersion(tx.version);
    psbt.setLocktime(tx.locktime);
    for (const input of tx.ins) psbt.addInput({ hash: input.hash, index: input.index, sequence: input.sequence });
    for (const output of tx.outs) psbt.addOutput({ script: output.script, value: output.value });
    psbt.updateInput(1, { witnessUtxo: { script: Buffer.from(p2wpkhScript, 'hex'), value } });

    signP2wpkhInput(psbt, 1, ECPair.fromPrivateKey(Buffer.from(p2wpkhKey, 'hex')));
    const partial = psbt.data.inputs[1]?.partialSig?.[0];
    expect(partial && hex(partial.signature)).toBe(`${signature}01`);

    // The P2PK input is legacy (not our path); sign it with the plain BIP-143-era digest so the
    // whole transaction can be compared with the BIP's serialization.
    const legacy = ECPair.fromPrivateKey(Buffer.from(p2pkKey, 'hex'));
    const legacyHash = tx.hashForSignature(0, Buffer.from(p2pkScript, 'hex'), Transaction.SIGHASH_ALL);
    const legacySig = bscript.signature.encode(legacy.sign(legacyHash), Transaction.SIGHASH_ALL);

    const signed = tx.clone();
    signed.setInputScript(0, bscript.compile([legacySig]));
    signed.setWitness(1, [partial!.signature, partial!.pubkey]);
    expect(signed.toHex()).toBe(signedHex);
  });
});
