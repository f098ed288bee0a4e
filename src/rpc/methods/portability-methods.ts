/**
 * Wallet portability methods of SPEC §5: export_wallet, import_wallet, backup_wallet.
 * Secrets come in (mnemonic, passphrases); only an encrypted bundle goes out (SPEC §1).
 */
import { Type } from '@sinclair/typebox';
import type { PortabilityApi } from '../../portability/portability-api.ts';
import type { CallContext } from '../context.ts';
import { defineMethod } from '../define-method.ts';
import { fail } from '../../errors.ts';
import { AddressTypeSchema, Count, NetworkNameSchema, Passphrase, WalletId, WalletSummarySchema } from '../schemas.ts';

const strict = { additionalProperties: false } as const;

/** A bundle passphrase: at least 12 characters (checked again by the service, naming the field). */
const BundlePassphrase = Type.String({ minLength: 12, maxLength: 1024, examples: ['correct horse battery staple'] });
/** A base64 bundle, as export_wallet returns it and backup files hold it. */
const BundleText = Type.String({ minLength: 1, maxLength: 64 * 1024 * 1024, contentEncoding: 'base64' });

function portability(ctx: CallContext): PortabilityApi {
  return ctx.services.portability ?? fail('INTERNAL', 'wallet portability is not configured');
}

/** The `export_wallet` entry of the method table. */
export const exportWallet = defineMethod({
  name: 'export_wallet',
  summary: 'Encrypted, versioned bundle (base64; scrypt + AES-256-GCM) of one wallet; no plaintext key in it',
  scope: 'wallet:export',
  errors: ['WALLET_LOCKED', 'WATCH_ONLY'],
  audited: true,
  kdf: true,
  positional: ['passphrase'],
  params: Type.Object({ wallet: Type.Optional(WalletId), passphrase: BundlePassphrase }, strict),
  result: Type.Object({ bundle: Type.String() }, strict),
  handler: async ({ params, ctx }) => {
    const walletId = ctx.walletFor(params); // scope and binding answer before anything else
    return { bundle: await portability(ctx).exportWallet(walletId, params.passphrase) };
  },
});

/** The `import_wallet` entry of the method table. */
export const importWallet = defineMethod({
  name: 'import_wallet',
  summary: 'Add wallets from {bundle, passphrase}, {mnemonic, ...} or a watch-only {descriptor}/{xpub}, then rescan',
  scope: 'wallet:admin',
  errors: ['BAD_PASSPHRASE', 'WALLET_EXISTS', 'WRONG_NETWORK'],
  audited: true,
  kdf: true,
  // One object with optional fields (exactly one source) rather than a union: rpc.discover, walletctl
  // flags and the auth matrix all read `params.properties`.
  params: Type.Object(
    {
      bundle: Type.Optional(BundleText),
      passphrase: Type.Optional(Passphrase),
      walletPassphrase: Type.Optional(Passphrase),
      mnemonic: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
      bip39Passphrase: Type.Optional(Type.String({ maxLength: 1024 })),
      addressType: Type.Optional(AddressTypeSchema),
      descriptor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
      xpub: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      network: Type.Optional(NetworkNameSchema),
      birthHeight: Type.Optional(Count),
    },
    strict,
  ),
  result: Type.Object({ ...WalletSummarySchema.properties, wallets: Type.Array(WalletSummarySchema) }, strict),
  handler: async ({ params, ctx }) => {
    const result = await portability(ctx).importWallet(params);
    ctx.audit.walletId = result.id;
    return result;
  },
});

/** The `backup_wallet` entry of the method table. */
export const backupWallet = defineMethod({
  name: 'backup_wallet',
  summary: 'Write an encrypted bundle of every wallet to the backup directory atomically, keeping the last N; a caller-chosen passphrase also needs wallet:export',
  scope: 'wallet:admin',
  errors: ['WALLET_LOCKED'],
  audited: true,
  kdf: true,
  params: Type.Object({ passphrase: Type.Optional(BundlePassphrase) }, strict),
  result: Type.Object({ path: Type.String(), wallets: Count }, strict),
  handler: async ({ params, ctx }) => {
    // A backup holds every wallet; a token bound to some of them must not get the others' keys.
    if (ctx.token.constraints.wallets) fail('FORBIDDEN_SCOPE', 'backup_wallet covers every wallet; this token is bound to some');
    // SPEC §4: a passphrase the caller knows makes the backup an export; the configured one does not.
    if (params.passphrase !== undefined && !ctx.token.scopes.includes('wallet:export')) {
      fail('FORBIDDEN_SCOPE', undefined, { scope: 'wallet:export' });
    }
    return portability(ctx).backupWallets(params.passphrase);
  },
});

/** The portability entries of the method table. */
export const PORTABILITY_METHODS = [exportWallet, importWallet, backupWallet];
