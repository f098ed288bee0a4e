/**
 * Destination address validation: decodes an address for the wallet's network and tells a
 * malformed address (INVALID_ADDRESS) from a well-formed one of another network (WRONG_NETWORK).
 */
import { address as baddress, payments } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import { toBitcoinjsNetwork } from './networks.ts';
import type { Network } from '../types.ts';

/** The script kinds walletd can pay to. */
export type AddressKind = 'p2wpkh' | 'p2wsh' | 'p2tr' | 'p2pkh' | 'p2sh';

/** A decoded destination: its scriptPubKey and kind. */
export interface ValidatedAddress {
  script: Uint8Array;
  type: AddressKind;
}

type Decoded =
  | { kind: 'base58'; version: number; hash: Uint8Array }
  | { kind: 'bech32'; prefix: string; type: 'p2wpkh' | 'p2wsh' | 'p2tr'; program: Uint8Array };

function decode(address: string): Decoded | null {
  try {
    const { version, hash } = baddress.fromBase58Check(address);
    return { kind: 'base58', version, hash };
  } catch {
    // not base58check; try bech32 below
  }
  try {
    // fromBech32 enforces BIP-350: bech32 for witness v0, bech32m for v1+; it also takes an
    // all-upper-case address (BIP-173 allows it) and rejects mixed case.
    const { version, prefix, data } = baddress.fromBech32(address);
    // BIP-141: v0 programs are 20 (P2WPKH) or 32 (P2WSH) bytes; BIP-341: v1 32 bytes is P2TR.
    if (version === 0 && data.length === 20) return { kind: 'bech32', prefix, type: 'p2wpkh', program: data };
    if (version === 0 && data.length === 32) return { kind: 'bech32', prefix, type: 'p2wsh', program: data };
    if (version === 1 && data.length === 32) return { kind: 'bech32', prefix, type: 'p2tr', program: data };
  } catch {
    // not bech32 either
  }
  return null;
}

/**
 * Decodes `address` for `network` and returns its scriptPubKey and kind. Throws WalletdError
 * WRONG_NETWORK when it is well formed for another network (another HRP or base58 version),
 * otherwise INVALID_ADDRESS.
 */
export function validateAddress(address: string, network: Network): ValidatedAddress {
  if (typeof address !== 'string' || address.length === 0 || address.length > 100) {
    fail('INVALID_ADDRESS');
  }
  const decoded = decode(address.trim());
  // No details: a mistaken caller may paste a WIF or xprv here, and it must not be echoed.
  if (decoded === null) fail('INVALID_ADDRESS', 'address is not valid base58check or bech32/bech32m');
  const net = toBitcoinjsNetwork(network);
  if (decoded.kind === 'base58') {
    if (decoded.version === net.pubKeyHash) {
      return { script: payments.p2pkh({ hash: decoded.hash }).output!, type: 'p2pkh' };
    }
    if (decoded.version === net.scriptHash) {
      return { script: payments.p2sh({ hash: decoded.hash }).output!, type: 'p2sh' };
    }
    fail('WRONG_NETWORK', `address version ${decoded.version} is not used on ${network.name}`, { address });
  }
  if (decoded.prefix !== net.bech32) {
    fail('WRONG_NETWORK', `address prefix "${decoded.prefix}" is not "${net.bech32}"`, { address });
  }
  // BIP-141 witness output: version opcode (OP_0 or OP_1 = 0x51), then a push of the program.
  const script = new Uint8Array(2 + decoded.program.length);
  script[0] = decoded.type === 'p2tr' ? 0x51 : 0x00;
  script[1] = decoded.program.length;
  script.set(decoded.program, 2);
  return { script, type: decoded.type };
}
