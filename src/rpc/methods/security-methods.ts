/** Wallet passphrase methods of SPEC §5: set, unlock (returns true), lock. */
import { Type } from '@sinclair/typebox';
import { defineMethod } from '../define-method.ts';
import { Passphrase, WalletId } from '../schemas.ts';
import type { CallContext } from '../context.ts';
import { fail, isWalletdError } from '../../errors.ts';

const strict = { additionalProperties: false } as const;
const OptWallet = Type.Optional(WalletId);

/**
 * Runs a passphrase check under the keystore's backoff, so a restart does not reset it (the
 * wallet core's in-memory backoff and attempt slot still apply within one run).
 */
async function withPersistedBackoff<T>(ctx: CallContext, walletId: string, fn: () => Promise<T>): Promise<T> {
  const store = ctx.services.backoff;
  if (!store) return fn();
  const now = ctx.services.clock.now();
  const until = await store.backoffUntil(walletId);
  if (until > now) fail('RATE_LIMITED', 'too many wrong passphrases; retry later', { retryAfterMs: until - now });
  try {
    const result = await fn();
    await store.clearPassphraseFailures(walletId);
    return result;
  } catch (err) {
    if (isWalletdError(err, 'BAD_PASSPHRASE')) await store.recordPassphraseFailure(walletId, ctx.services.clock.now());
    throw err;
  }
}

/** The `set_passphrase` entry of the method table. */
export const setPassphrase = defineMethod({
  name: 'set_passphrase',
  summary: "Set or change the passphrase that encrypts the wallet's seed inside the keystore",
  scope: 'wallet:admin',
  audited: true,
  kdf: true,
  // `new` is a reserved word in generated clients (SPEC §5): the old names stay as aliases.
  aliases: { new: 'newPassphrase', old: 'oldPassphrase' },
  errors: ['BAD_PASSPHRASE', 'WATCH_ONLY'],
  params: Type.Object({ wallet: OptWallet, oldPassphrase: Type.Optional(Passphrase), newPassphrase: Passphrase }, strict),
  result: Type.Literal(true),
  handler: async ({ params, ctx }) => {
    const walletId = ctx.walletFor(params);
    await withPersistedBackoff(ctx, walletId, () => ctx.services.wallets.setPassphrase(walletId, {
      new: params.newPassphrase,
      ...(params.oldPassphrase !== undefined ? { old: params.oldPassphrase } : {}),
    }));
    return true as const;
  },
});

/** The `unlock_wallet` entry of the method table. */
export const unlockWallet = defineMethod({
  name: 'unlock_wallet',
  summary: 'Unlock signing for timeoutSec seconds; a wrong passphrase fails with backoff',
  scope: 'wallet:admin',
  errors: ['BAD_PASSPHRASE'],
  audited: true,
  kdf: true,
  positional: ['passphrase', 'timeoutSec'],
  params: Type.Object(
    { wallet: OptWallet, passphrase: Passphrase, timeoutSec: Type.Integer({ minimum: 1, maximum: 100_000_000, examples: [60] }) },
    strict,
  ),
  result: Type.Literal(true),
  handler: async ({ params, ctx }) => {
    const walletId = ctx.walletFor(params);
    await withPersistedBackoff(ctx, walletId, () => ctx.services.wallets.unlockWallet(walletId, {
      passphrase: params.passphrase,
      timeoutSec: params.timeoutSec,
    }));
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
