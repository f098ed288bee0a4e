/** create_psbt (SPEC §5): a funded, unsigned BIP174 PSBT for external signers (Core's walletcreatefundedpsbt). */
import { Type } from '@sinclair/typebox';
import { defineMethod } from '../define-method.ts';
import { fail } from '../../errors.ts';
import { ConfTarget, Count, FeeRate, FeeSourceSchema, InputRefs, Recipients, Sats, WalletId } from '../schemas.ts';

const strict = { additionalProperties: false } as const;

/** create_psbt's result (CreatePsbtResult). */
const CreatePsbtResultSchema = Type.Object(
  {
    psbt: Type.String({ description: 'Base64 BIP174 PSBT, unsigned' }),
    fee: Sats,
    feeRate: Type.Number({ minimum: 0 }),
    feeSource: FeeSourceSchema,
    vsize: Count,
    changeIndex: Type.Union([Count, Type.Null()]),
    inputs: Type.Array(Type.String()),
    leasedUntil: Count,
  },
  strict,
);

/** The `create_psbt` entry of the method table. */
export const createPsbt = defineMethod({
  name: 'create_psbt',
  summary: 'A funded, unsigned BIP174 PSBT with witness UTXOs and BIP32 derivations, inputs leased; works on watch-only wallets',
  scope: 'wallet:sign',
  audited: true,
  params: Type.Object(
    {
      wallet: Type.Optional(WalletId),
      outputs: Recipients,
      feeRate: Type.Optional(FeeRate),
      confTarget: Type.Optional(ConfTarget),
      inputs: Type.Optional(InputRefs),
      subtractFeeFrom: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 999 }), { minItems: 1, maxItems: 1000 })),
      allowHighFee: Type.Optional(Type.Boolean({ description: 'Allow a fee larger than the amount sent' })),
    },
    strict,
  ),
  result: CreatePsbtResultSchema,
  handler: async ({ params, ctx }) => {
    if (params.feeRate !== undefined && params.confTarget !== undefined) {
      fail('INVALID_PARAMS', 'Give feeRate or confTarget, not both', { field: 'confTarget' });
    }
    const { wallet: _wallet, ...req } = params;
    // Unsigned, it moves nothing: a signer (sign_transaction, or an external one) spends it, and
    // sign_transaction holds a constrained token to its limits there.
    return ctx.services.wallets.createPsbt(ctx.walletFor(params), req);
  },
});

/** The PSBT-funding entries of the method table. */
export const PSBT_METHODS = [createPsbt];
