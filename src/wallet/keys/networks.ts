/**
 * Chain parameters for the named networks (SPEC §7), with optional overrides from config
 * (`networkParams`) for custom chains such as a litecoind regtest node.
 */
import type { Network as BitcoinjsNetwork } from 'bitcoinjs-lib';
import { fail } from '../../errors.ts';
import type { Network, NetworkName, NetworkParams } from '../types.ts';

// BIP-32 version bytes: xpub/xprv on mainnet, tpub/tprv on every test network.
const MAINNET_BIP32 = { public: 0x0488b21e, private: 0x0488ade4 } as const;
const TESTNET_BIP32 = { public: 0x043587cf, private: 0x04358394 } as const;
const MESSAGE_PREFIX = '\x18Bitcoin Signed Message:\n';

const BASE_PARAMS: Readonly<Record<NetworkName, NetworkParams>> = {
  mainnet: { messagePrefix: MESSAGE_PREFIX, bech32: 'bc', bip32: MAINNET_BIP32, pubKeyHash: 0x00, scriptHash: 0x05, wif: 0x80 },
  testnet: { messagePrefix: MESSAGE_PREFIX, bech32: 'tb', bip32: TESTNET_BIP32, pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
  signet: { messagePrefix: MESSAGE_PREFIX, bech32: 'tb', bip32: TESTNET_BIP32, pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
  regtest: { messagePrefix: MESSAGE_PREFIX, bech32: 'bcrt', bip32: TESTNET_BIP32, pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
};

/** Every named network's unmodified parameters, for recognising addresses of other networks. */
export const KNOWN_NETWORK_PARAMS: readonly NetworkParams[] = Object.values(BASE_PARAMS);

/** Resolves a named network, letting `overrides` replace individual fields (e.g. a custom bech32 HRP). */
export function resolveNetwork(name: NetworkName, overrides?: Partial<NetworkParams>): Network {
  const base = BASE_PARAMS[name];
  if (base === undefined) fail('INVALID_PARAMS', `unknown network: ${String(name)}`);
  const params: NetworkParams = {
    ...base,
    ...overrides,
    bip32: { ...(overrides?.bip32 ?? base.bip32) },
  };
  Object.freeze(params.bip32);
  // BIP-44: coin type 0 is mainnet bitcoin; every test network uses 1.
  return Object.freeze({ name, params: Object.freeze(params), coinType: name === 'mainnet' ? 0 : 1 });
}

/** The network in the shape bitcoinjs-lib and bip32 expect. */
export function toBitcoinjsNetwork(network: Network): BitcoinjsNetwork {
  const p = network.params;
  return {
    messagePrefix: p.messagePrefix,
    bech32: p.bech32,
    bip32: { public: p.bip32.public, private: p.bip32.private },
    pubKeyHash: p.pubKeyHash,
    scriptHash: p.scriptHash,
    wif: p.wif,
  };
}
