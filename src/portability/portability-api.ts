/**
 * What the RPC layer sees of wallet portability (SPEC §5: export_wallet, import_wallet,
 * backup_wallet). Secrets come in through these calls; only encrypted bundles go out.
 */
import type { AddressType, NetworkName } from '../wallet/types.ts';
import type { WalletSummary } from '../wallet/wallet-api.ts';

/**
 * import_wallet's params: exactly one of `bundle`, `mnemonic`, `descriptor` or `xpub`.
 * - `{bundle, passphrase, walletPassphrase?}`: `passphrase` opens the bundle; `walletPassphrase`
 *   seals restored wallets that had none (protected wallets keep their own passphrase).
 * - `{mnemonic, bip39Passphrase?, addressType?, passphrase?}`: `passphrase` becomes the new
 *   wallet passphrase.
 * - `{descriptor}` or `{xpub}`: a watch-only wallet.
 */
export interface ImportRequest {
  bundle?: string;
  passphrase?: string;
  walletPassphrase?: string;
  mnemonic?: string;
  bip39Passphrase?: string;
  addressType?: AddressType;
  descriptor?: string;
  xpub?: string;
  name?: string;
  /** When given it must be the daemon's network, else WRONG_NETWORK. */
  network?: NetworkName;
  /** Where the rescan starts for a mnemonic or watch-only import (default 0, genesis). */
  birthHeight?: number;
}

/** import_wallet's result: the first imported wallet, plus every wallet the call added. */
export interface ImportResult extends WalletSummary {
  wallets: WalletSummary[];
}

/** backup_wallet's result. */
export interface BackupResult {
  /** Absolute path of the new backup file. */
  path: string;
  /** How many wallets it holds. */
  wallets: number;
}

/** The portability service as RpcServices.portability. */
export interface PortabilityApi {
  exportWallet(walletId: string, passphrase: string): Promise<string>;
  importWallet(req: ImportRequest): Promise<ImportResult>;
  backupWallets(passphrase?: string): Promise<BackupResult>;
}
