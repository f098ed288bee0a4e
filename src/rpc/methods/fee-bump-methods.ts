/** bump_fee (SPEC §5): raise an unconfirmed transaction's fee by BIP125 replacement or CPFP. */
import { Type } from '@sinclair/typebox';
import { defineMethod } from '../define-method.ts';
import { fail } from '../../errors.ts';
import { ConfTarget, FeeRate, Sats, Txid, TxStatusSchema, WalletId } from '../schemas.ts';
import { chargeSpend } from '../spend-guard.ts';
import { chargingGuard, requireOwnLineage } from './spend-methods.ts';

const strict = { additionalProperties: false } as const;

/** bump_fee's result (BumpResult). */
const BumpResultSchema = Type.Object(
  {
    txid: Type.String(),
    method: Type.Union([Type.Literal('rbf'), Type.Literal('cpfp')]),
    fee: Sats,
    feeRate: Type.Number({ minimum: 0 }),
    effectiveFeeRate: Type.Number({ minimum: 0 }),
    status: TxStatusSchema,
  },
  strict,
);

/** The `bump_fee` entry of the method table. */
export const bumpFee = defineMethod({
  name: 'bump_fee',
  summary: 'Raise an unconfirmed transaction\'s fee: BIP125 replacement keeping its recipients, or CPFP through a wallet output',
  scope: 'wallet:send',
  audited: true,
  positional: ['txid', 'feeRate'],
  params: Type.Object(
    { wallet: Type.Optional(WalletId), txid: Txid, feeRate: Type.Optional(FeeRate), confTarget: Type.Optional(ConfTarget) },
    strict,
  ),
  result: BumpResultSchema,
  handler: async ({ params, ctx }) => {
    if (params.feeRate !== undefined && params.confTarget !== undefined) {
      fail('INVALID_PARAMS', 'Give feeRate or confTarget, not both', { field: 'confTarget' });
    }
    const walletId = ctx.walletFor(params);
    const txid = params.txid.toLowerCase();
    // Policed as cancel_transaction is: own lineage only, and the extra fee is charged.
    return ctx.withSpendLock(async () => {
      await requireOwnLineage(ctx, walletId, txid);
      const { guard, charged } = chargingGuard(ctx, walletId);
      const result = await ctx.services.wallets.bumpFee(walletId, {
        txid,
        ...(params.feeRate !== undefined ? { feeRate: params.feeRate } : {}),
        ...(params.confTarget !== undefined ? { confTarget: params.confTarget } : {}),
        guard,
      });
      await chargeSpend(ctx.services.spends, ctx.token, walletId, result.txid, charged() ?? BigInt(result.fee), ctx.services.clock.now());
      ctx.audit.txid = result.txid;
      return result;
    });
  },
});

/** The fee-bump entries of the method table. */
export const FEE_BUMP_METHODS = [bumpFee];
