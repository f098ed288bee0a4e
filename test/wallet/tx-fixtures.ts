/** Shared fixtures for the transaction-engine tests: bip32 wallets derived directly, no hd.ts. */
import * as ecc from 'tiny-secp256k1';
import { BIP32Factory } from 'bip32';
import { crypto, networks } from 'bitcoinjs-lib';
import { scriptForKey, type WalletInput } from '../../src/wallet/spend/tx-builder.ts';
import type { AddressType, Network } from '../../src/wallet/types.ts';

const bip32 = BIP32Factory(ecc);
export const network: Network = { name: 'regtest', params: networks.regtest, coinType: 1 };
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A test wallet: root from a fixed seed, account node at BIP84/86 path for coin type 1. */
export function testWallet(addressType: AddressType, seedByte = 1) {
  const root = bip32.fromSeed(new Uint8Array(32).fill(seedByte), networks.regtest);
  const accountPath = addressType === 'p2wpkh' ? "m/84'/1'/0'" : "m/86'/1'/0'";
  const accountNode = root.derivePath(accountPath);
  const masterFingerprint = hex(root.fingerprint);
  const scriptAt = (chain: 0 | 1, index: number): string => hex(scriptForKey(accountNode.derive(chain).derive(index).publicKey, addressType));
  const coin = (n: number, value: bigint, chain: 0 | 1 = 0): WalletInput => ({
    txid: hex(crypto.sha256(Buffer.from(`coin-${seedByte}-${n}`))),
    vout: n % 4,
    value,
    script: scriptAt(chain, n),
    chain,
    index: n,
  });
  const account = { network, addressType, accountXpub: accountNode.neutered().toBase58(), masterFingerprint, accountPath };
  return { accountNode, account, scriptAt, coin, signer: { accountNode, masterFingerprint, addressType } };
}

/** Schnorr for 32-byte keys, ECDSA otherwise: what bitcoinjs's validator hook expects. */
export const validator = (pubkey: Uint8Array, hash: Uint8Array, sig: Uint8Array): boolean =>
  pubkey.length === 32 ? ecc.verifySchnorr(hash, pubkey, sig) : ecc.verify(hash, pubkey, sig);

