/** Wallet passphrase methods of SPEC §5: set, unlock (returns true), lock. */
import { Type } from '@sinclair/typebox';
import { defineMethod } from '../define-method.ts';
import { Passphrase, WalletId } from '../schemas.ts';

const strict = { additionalProperties: false } as const;
const OptWallet = Type.Optional(WalletId);

/** The `set_passphrase` entry of the method table. */
export const setPassphrase = defineMethod({
  name: 'set_passphrase',
  summary: "Set or change the passphrase that encrypts the wallet's seed inside the keystore",
  scope: 'wallet:admin',
  audited: true,
  kdf: true,
  params: Type.Object({ wallet: OptWallet, old: Type.Optional(Passphrase), new: Passphrase }, strict),
  result: Type.Literal(true),
  handler: async ({ params, ctx }) => {
    await ctx.services.wallets.setPassphrase(ctx.walletFor(params), {
      new: params.new,
      ...(params.old !== undefined ? { old: params.old } : {}),
    });
    return true as const;
  },
});

/** The `unlock_wallet` entry of the method table. */
export const unlockWallet = defineMethod({
  name: 'unlock_wallet',
  summary: 'Unlock signing for timeoutSec seconds; a wrong passphrase fails with backoff',
  scope: 'wallet:admin',
  audited: true,
  kdf: true,
  positional: ['passphrase', 'timeoutSec'],
  params: Type.Object(
    { wallet: OptWallet, passphrase: Passphrase, timeoutSec: Type.Integer({ minimum: 1, maximum: 100_000_000, examples: [60] }) },
    strict,
  ),
  result: Type.Literal(true),
  handler: async ({ params, ctx }) => {
    await ctx.services.wallets.unlockWallet(ctx.walletFor(params), {
      passphrase: params.passphrase,
      timeoutSec: params.timeoutSec,
    });
    return true as const;
  },
});

/** The `lock_wallet` entry of the method table. */
export const lockWallet = defineMethod({
  name: 'lock_wallet',
  summary: 'Lock signing now',
  scope: 'wallet:admin',
  audited: true,
  params: Type.Object({ wallet: OptWallet }, strict),
  result: Type.Literal(true),
  handler: async ({ params, ctx }) => {
    await ctx.services.wallets.lockWallet(ctx.walletFor(params));
    return true as const;
  },
});

/** The passphrase entries of the method table. */
export const SECURITY_METHODS = [setPassphrase, unlockWallet, lockWallet];
