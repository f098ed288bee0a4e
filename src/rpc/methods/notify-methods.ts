/** Notification methods of SPEC §8: subscribe and unsubscribe, over a WebSocket only. */
import { Type } from '@sinclair/typebox';
import type { Notifier } from '../../notify/notifier.ts';
import { EVENT_TYPES } from '../../notify/subscription.ts';
import type { CallContext } from '../context.ts';
import { defineMethod } from '../define-method.ts';
import { fail, isWalletdError } from '../../errors.ts';
import { BalanceSchema, Count, Nullable, WalletId } from '../schemas.ts';

const strict = { additionalProperties: false } as const;

const EventTypeSchema = Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)));
const SubscriptionId = Type.String({ minLength: 1, maxLength: 64, description: 'Subscription id' });

function notifierOf(ctx: CallContext): Notifier {
  const notifier = ctx.services.notifier;
  if (!notifier) fail('INTERNAL', 'Notifications are not available');
  return notifier;
}

/** The `subscribe` entry of the method table. */
export const subscribe = defineMethod({
  name: 'subscribe',
  summary:
    'Push tx, confirmation, balance and block events as `event` notifications; returns a snapshot (seq, tip, balance) and replays stored events after sinceSeq first',
  scope: 'wallet:read',
  websocketOnly: true,
  params: Type.Object(
    {
      wallet: Type.Optional(WalletId),
      events: Type.Array(EventTypeSchema, { minItems: 1, maxItems: EVENT_TYPES.length, uniqueItems: true }),
      sinceSeq: Type.Optional(Count),
    },
    strict,
  ),
  result: Type.Object(
    {
      subscription: SubscriptionId,
      snapshot: Type.Object(
        { seq: Count, tipHeight: Nullable(Count), balance: Type.Optional(BalanceSchema) },
        strict,
      ),
    },
    strict,
  ),
  handler: async ({ params, ctx }) => {
    // SPEC §5 resolution (param, selection, the token's only wallet); when none applies the
    // subscription covers every wallet the token may read, and the snapshot has no balance.
    const bound = ctx.token.constraints.wallets;
    const resolvable = params.wallet !== undefined || ctx.session.selectedWallet !== null || bound?.length === 1;
    const wallet = resolvable ? ctx.walletFor(params) : undefined;
    // SPEC §10: one connection or one token cannot fan a block out into thousands of frames.
    const { rpc } = ctx.services.config;
    const held = notifierOf(ctx).countsFor(ctx.session.id, ctx.token.id);
    if (held.session >= rpc.maxSubscriptionsPerConnection) {
      fail('RATE_LIMITED', 'Too many subscriptions on this connection', { limit: 'maxSubscriptionsPerConnection', max: rpc.maxSubscriptionsPerConnection });
    }
    if (held.token >= rpc.maxSubscriptionsPerToken) {
      fail('RATE_LIMITED', 'Too many subscriptions for this token', { limit: 'maxSubscriptionsPerToken', max: rpc.maxSubscriptionsPerToken });
    }
    return notifierOf(ctx).subscribe({
      session: ctx.session,
      tokenId: ctx.token.id,
      tokenExpiresAt: ctx.token.constraints.expiresAt,
      tokenWallets: ctx.token.constraints.wallets,
      wallet,
      events: params.events,
      sinceSeq: params.sinceSeq,
      readState: async () => ({
        tipHeight: (await ctx.services.nodeInfo()).tipHeight,
        // An offline signer has no balance to report; the snapshot then carries none.
        balance: wallet === undefined ? undefined : await ctx.services.wallets.getBalance(wallet).catch((err: unknown) => {
          if (isWalletdError(err, 'CHAIN_UNAVAILABLE')) return undefined;
          throw err;
        }),
      }),
    });
  },
});

/** The `unsubscribe` entry of the method table. */
export const unsubscribe = defineMethod({
  name: 'unsubscribe',
  summary: 'Stop a subscription of this connection; false when it has none with that id',
  scope: 'wallet:read',
  websocketOnly: true,
  params: Type.Object({ subscription: SubscriptionId }, strict),
  result: Type.Boolean(),
  handler: async ({ params, ctx }) => notifierOf(ctx).unsubscribe(ctx.session.id, params.subscription),
});

/** Notification methods, in table order. */
export const NOTIFY_METHODS = [subscribe, unsubscribe] as const;
