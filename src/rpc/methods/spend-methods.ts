/** Spending methods of SPEC §5: send, sweep (send_all), sign, cancel (BIP-125 replacement) and releasing leases. */
import { Type } from '@sinclair/typebox';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { defineMethod } from '../define-method.ts';
import { fail } from '../../errors.ts';
import {
  Address, ConfTarget, FeeRate, InputRefs, Outpoint, Recipients, SendOrDryRunSchema, SendResultSchema, SignResultSchema, Txid, WalletId,
} from '../schemas.ts';
import type { DryRunResult, SendResult, SignRequest, SpendGuard } from '../../wallet/wallet-api.ts';
import type { CallContext } from '../context.ts';
import { chargeSpend, hasSpendConstraint } from '../spend-guard.ts';

const strict = { additionalProperties: false } as const;
const OptWallet = Type.Optional(WalletId);

/** The token's guard, remembering what it let through (amount plus fee) so exactly that is charged. */
export function chargingGuard(ctx: CallContext, walletId: string): { guard: SpendGuard; charged: () => bigint | null } {
  const inner = ctx.spendGuard(walletId);
  let passed: bigint | null = null;
  return {
    guard: async (spend) => {
      await inner(spend);
      passed = spend.amount + spend.fee;
    },
    charged: () => passed,
  };
}

/**
 * SPEC §4: a constrained token cancels or bumps only what it or a descendant sent (the spend
 * ledger charges every send to the sender and each ancestor).
 */
export async function requireOwnLineage(ctx: CallContext, walletId: string, txid: string): Promise<void> {
  if (hasSpendConstraint(ctx.token) && !(await ctx.services.spends.chargedFor(walletId, txid)).includes(ctx.token.id)) {
    fail('FORBIDDEN_SCOPE', 'A token with spend limits may only cancel or bump its own lineage\'s transactions', { txid });
  }
}

/** A wallet draft's fee: every input carries its witness UTXO, so inputs minus outputs. */
function draftFee(psbt: Psbt): bigint {
  const inputs = psbt.data.inputs.reduce((s, i) => s + (i.witnessUtxo?.value ?? 0n), 0n);
  const outputs = psbt.txOutputs.reduce((s, o) => s + o.value, 0n);
  return inputs > outputs ? inputs - outputs : 0n;
}

/** Params every send shares (SPEC §5): fee choice, coin control, preview, the high-fee guard, idempotency. */
const sendOptions = {
  wallet: OptWallet,
  feeRate: Type.Optional(FeeRate),
  confTarget: Type.Optional(ConfTarget),
  inputs: Type.Optional(InputRefs),
  dryRun: Type.Optional(Type.Boolean({ description: 'Return fee, vsize, inputs and change; lease, sign and broadcast nothing' })),
  allowHighFee: Type.Optional(Type.Boolean({ description: 'Allow a fee larger than the amount sent' })),
  idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
};

/**
 * Runs a send under the family's spend lock and charges what the guard let through. One lock
 * per family: the limit check, the broadcast and the ledger write happen as one step, so two
 * concurrent sends of a token or its relatives cannot both pass maxSendPerDay. A dry run and a
 * replay charge nothing.
 */
async function chargedSend(
  ctx: CallContext, params: { wallet?: string; feeRate?: number; confTarget?: number },
  send: (walletId: string, guard: SpendGuard) => Promise<SendResult | DryRunResult>,
): Promise<SendResult | DryRunResult> {
  if (params.feeRate !== undefined && params.confTarget !== undefined) {
    fail('INVALID_PARAMS', 'Give feeRate or confTarget, not both', { field: 'confTarget' });
  }
  const walletId = ctx.walletFor(params);
  return ctx.withSpendLock(async () => {
    const { guard, charged } = chargingGuard(ctx, walletId);
    const result = await send(walletId, guard);
    if ('dryRun' in result) return result;
    if (!result.replayed) {
      const amount = charged() ?? BigInt(result.amount ?? 0) + BigInt(result.fee);
      await chargeSpend(ctx.services.spends, ctx.token, walletId, result.txid, amount, ctx.services.clock.now());
    }
    ctx.audit.txid = result.txid;
    return result;
  });
}

/** The `send_transaction` entry of the method table. */
export const sendTransaction = defineMethod({
  name: 'send_transaction',
  summary: 'Build, sign and broadcast an RBF-signalling payment; change goes to a fresh change address at a random position',
  scope: 'wallet:send',
  errors: ['INSUFFICIENT_FUNDS', 'INVALID_ADDRESS', 'WRONG_NETWORK', 'DUST_OUTPUT', 'FEE_TOO_HIGH', 'FEE_TOO_LOW', 'SPEND_LIMIT', 'DESTINATION_NOT_ALLOWED', 'WALLET_LOCKED', 'WATCH_ONLY', 'CHAIN_UNAVAILABLE', 'BROADCAST_REJECTED'],
  audited: true,
  params: Type.Object(
    {
      ...sendOptions,
      outputs: Recipients,
      subtractFeeFrom: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 999 }), {
        minItems: 1, maxItems: 1000, description: 'Indexes of outputs whose amounts pay the fee, split evenly',
      })),
    },
    strict,
  ),
  result: SendOrDryRunSchema,
  handler: async ({ params, ctx }) => {
    const { wallet: _wallet, ...req } = params;
    return chargedSend(ctx, params, (walletId, guard) => ctx.services.wallets.sendTransaction(walletId, { ...req, guard }));
  },
});

/** The `send_all` entry of the method table. */
export const sendAll = defineMethod({
  name: 'send_all',
  summary: 'Sweep every spendable coin (or exactly inputs) to one address, with no change (Core\'s sendall)',
  scope: 'wallet:send',
  audited: true,
  params: Type.Object({ ...sendOptions, address: Address }, strict),
  result: SendOrDryRunSchema,
  handler: async ({ params, ctx }) => {
    const { wallet: _wallet, ...req } = params;
    return chargedSend(ctx, params, (walletId, guard) => ctx.services.wallets.sendAll(walletId, { ...req, guard }));
  },
});

/** The `sign_transaction` entry of the method table. */
export const signTransaction = defineMethod({
  name: 'sign_transaction',
  summary: 'Sign a draft ({outputs, feeRate?}) or a BIP174 PSBT ({psbt}) without broadcasting; draft inputs stay leased',
  scope: 'wallet:sign',
  errors: ['INSUFFICIENT_FUNDS', 'INVALID_ADDRESS', 'WRONG_NETWORK', 'DUST_OUTPUT', 'FEE_TOO_HIGH', 'FEE_TOO_LOW', 'SPEND_LIMIT', 'DESTINATION_NOT_ALLOWED', 'WALLET_LOCKED', 'WATCH_ONLY', 'CHAIN_UNAVAILABLE'],
  audited: true,
  params: Type.Object(
    {
      wallet: OptWallet,
      outputs: Type.Optional(Recipients),
      feeRate: Type.Optional(FeeRate),
      confTarget: Type.Optional(ConfTarget),
      psbt: Type.Optional(Type.String({ minLength: 1, maxLength: 4_000_000, description: 'Base64 PSBT' })),
    },
    strict,
  ),
  result: SignResultSchema,
  handler: async ({ params, ctx }) => {
    const walletId = ctx.walletFor(params);
    let req: SignRequest;
    if (params.psbt !== undefined) {
      if (params.outputs !== undefined) fail('INVALID_PARAMS', 'Give outputs or psbt, not both', { field: 'psbt' });
      req = { psbt: params.psbt };
    } else if (params.outputs !== undefined) {
      if (params.feeRate !== undefined && params.confTarget !== undefined) {
        fail('INVALID_PARAMS', 'Give feeRate or confTarget, not both', { field: 'confTarget' });
      }
      req = {
        outputs: params.outputs,
        ...(params.feeRate !== undefined ? { feeRate: params.feeRate } : {}),
        ...(params.confTarget !== undefined ? { confTarget: params.confTarget } : {}),
      };
    } else {
      fail('INVALID_PARAMS', 'Give outputs or psbt', { field: 'outputs' });
    }
    if (!hasSpendConstraint(ctx.token)) return ctx.services.wallets.signTransaction(walletId, req);
    // A signed transaction can be broadcast anywhere, so signing counts as spending for a
    // token with spend limits. A foreign PSBT's change cannot be told apart here: refuse it.
    if (!('outputs' in req)) fail('SPEND_LIMIT', 'A token with spend limits cannot sign PSBTs', { limit: 'psbt' });
    const outputs = req.outputs;
    return ctx.withSpendLock(async () => {
      const amount = outputs.reduce((sum, o) => sum + BigInt(o.amount), 0n);
      const destinations = outputs.map((o) => o.address);
      const guard = ctx.spendGuard(walletId);
      // Fail fast before selecting coins; the real check below includes the fee.
      await guard({ amount, fee: 0n, destinations });
      const result = await ctx.services.wallets.signTransaction(walletId, req);
      const psbt = Psbt.fromBase64(result.psbt);
      const fee = draftFee(psbt);
      try {
        await guard({ amount, fee, feeRate: result.hex ? Number(fee) / Transaction.fromHex(result.hex).virtualSize() : undefined, destinations });
      } catch (err) {
        // The signed draft is discarded with the error; its leased coins go back.
        const outpoints = psbt.txInputs.map((i) => `${Buffer.from(i.hash).reverse().toString('hex')}:${i.index}`);
        await ctx.services.wallets.releaseOutputs(walletId, { outpoints }).catch(() => undefined);
        throw err;
      }
      const txid = result.hex ? Transaction.fromHex(result.hex).getId() : 'unbroadcast-draft';
      await chargeSpend(ctx.services.spends, ctx.token, walletId, txid, amount + fee, ctx.services.clock.now());
      return result;
    });
  },
});

/** The `cancel_transaction` entry of the method table. */
export const cancelTransaction = defineMethod({
  name: 'cancel_transaction',
  summary: "BIP125-replace an unconfirmed transaction with one paying its inputs back to the wallet",
  scope: 'wallet:send',
  errors: ['TX_NOT_FOUND', 'ALREADY_CONFIRMED', 'INSUFFICIENT_FUNDS', 'FEE_TOO_HIGH', 'FEE_TOO_LOW', 'SPEND_LIMIT', 'WALLET_LOCKED', 'WATCH_ONLY', 'CHAIN_UNAVAILABLE', 'BROADCAST_REJECTED'],
  audited: true,
  positional: ['txid', 'feeRate'],
  params: Type.Object({ wallet: OptWallet, txid: Txid, feeRate: Type.Optional(FeeRate) }, strict),
  result: SendResultSchema,
  handler: async ({ params, ctx }) => {
    const walletId = ctx.walletFor(params);
    const txid = params.txid.toLowerCase();
    return ctx.withSpendLock(async () => {
      await requireOwnLineage(ctx, walletId, txid);
      const { guard, charged } = chargingGuard(ctx, walletId);
      const result = await ctx.services.wallets.cancelTransaction(walletId, {
        txid,
        ...(params.feeRate !== undefined ? { feeRate: params.feeRate } : {}),
        guard,
      });
      await chargeSpend(ctx.services.spends, ctx.token, walletId, result.txid, charged() ?? BigInt(result.fee), ctx.services.clock.now());
      ctx.audit.txid = result.txid;
      return result;
    });
  },
});

/** The `release_outputs` entry of the method table. */
export const releaseOutputs = defineMethod({
  name: 'release_outputs',
  summary: 'Release leased outputs (the given outpoints, or all of the wallet\'s leases)',
  scope: 'wallet:sign',
  audited: true,
  params: Type.Object({ wallet: OptWallet, outpoints: Type.Optional(Type.Array(Outpoint, { maxItems: 10_000 })) }, strict),
  result: Type.Object({ released: Type.Integer({ minimum: 0 }) }, strict),
  handler: async ({ params, ctx }) =>
    ctx.services.wallets.releaseOutputs(ctx.walletFor(params), {
      ...(params.outpoints !== undefined ? { outpoints: params.outpoints.map((o) => o.toLowerCase()) } : {}),
    }),
});

/** The spending entries of the method table. */
export const SPEND_METHODS = [sendTransaction, sendAll, signTransaction, cancelTransaction, releaseOutputs];
