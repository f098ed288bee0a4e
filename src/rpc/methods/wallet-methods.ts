/** Read and receive methods of SPEC §5: wallets, balances, addresses, history, coins. */
import { Type } from '@sinclair/typebox';
import { defineMethod } from '../define-method.ts';
import { fail } from '../../errors.ts';
import {
  AddressInfoSchema, AddressTypeSchema, Address, BalanceSchema, Count, Label, Passphrase, Txid,
  TxHistoryPageSchema, TxStatusInfoSchema, UnspentOutputSchema, WalletId, WalletInfoSchema, WalletSummarySchema,
} from '../schemas.ts';

const strict = { additionalProperties: false } as const;
const OptWallet = Type.Optional(WalletId);

/** Default page size of get_transaction_history. */
export const DEFAULT_HISTORY_LIMIT = 50;
/** Default minConf of get_unspent_outputs, as Bitcoin Core's listunspent. */
export const DEFAULT_MIN_CONF = 1;

/** The `list_wallets` entry of the method table. */
export const listWallets = defineMethod({
  name: 'list_wallets',
  summary: 'Ids, names, network and locked state of the wallets this token may see',
  scope: 'wallet:read',
  params: Type.Object({}, strict),
  result: Type.Array(WalletSummarySchema),
  handler: async ({ ctx }) => {
    const all = await ctx.services.wallets.listWallets();
    const bound = ctx.token.constraints.wallets;
    return bound ? all.filter((w) => bound.includes(w.id)) : all;
  },
});

/** The `create_wallet` entry of the method table. */
export const createWallet = defineMethod({
  name: 'create_wallet',
  summary: 'Create a wallet from a new BIP39 seed (BIP84 P2WPKH by default, BIP86 P2TR option); never returns the mnemonic',
  scope: 'wallet:admin',
  errors: ['WALLET_EXISTS'],
  audited: true,
  // Only a wallet passphrase costs a KDF; a plain create must not queue behind exports.
  kdf: (p) => p.passphrase !== undefined,
  positional: ['name', 'addressType'],
  params: Type.Object(
    { name: Type.String({ minLength: 1, maxLength: 128, examples: ['savings'] }), addressType: Type.Optional(AddressTypeSchema), passphrase: Type.Optional(Passphrase) },
    strict,
  ),
  result: WalletSummarySchema,
  handler: async ({ params, ctx }) => {
    const summary = await ctx.services.wallets.createWallet(params);
    ctx.audit.walletId = summary.id;
    return summary;
  },
});

/** The `select_wallet` entry of the method table. */
export const selectWallet = defineMethod({
  name: 'select_wallet',
  summary: "Set this connection's default wallet",
  scope: 'wallet:read',
  positional: ['wallet'],
  params: Type.Object({ wallet: WalletId }, strict),
  result: WalletSummarySchema,
  handler: async ({ params, ctx }) => {
    const id = ctx.walletFor(params);
    const summary = (await ctx.services.wallets.listWallets()).find((w) => w.id === id);
    if (!summary) fail('WALLET_NOT_FOUND', undefined, { wallet: id });
    ctx.session.selectedWallet = id;
    return summary;
  },
});

/** The `get_wallet_info` entry of the method table. */
export const getWalletInfo = defineMethod({
  name: 'get_wallet_info',
  summary: 'Id, name, network, address type, xpub and descriptors (public only), counts, lock and sync state',
  scope: 'wallet:read',
  params: Type.Object({ wallet: OptWallet }, strict),
  result: WalletInfoSchema,
  handler: async ({ params, ctx }) => ctx.services.wallets.getWalletInfo(ctx.walletFor(params)),
});

/** The `get_balance` entry of the method table. */
export const getBalance = defineMethod({
  name: 'get_balance',
  summary: 'Balance categories in sats (confirmed, immature, trusted/untrusted pending, unconfirmed, spendable, total), for the wallet or one address',
  scope: 'wallet:read',
  errors: ['CHAIN_UNAVAILABLE', 'INVALID_ADDRESS', 'WRONG_NETWORK'],
  positional: ['address'],
  params: Type.Object({ wallet: OptWallet, address: Type.Optional(Address) }, strict),
  result: BalanceSchema,
  handler: async ({ params, ctx }) => ctx.services.wallets.getBalance(ctx.walletFor(params), params.address),
});

/** The `get_addresses` entry of the method table. */
export const getAddresses = defineMethod({
  name: 'get_addresses',
  summary: 'Receive and change addresses with index, path, label and used flag',
  scope: 'wallet:read',
  params: Type.Object({ wallet: OptWallet }, strict),
  result: Type.Array(AddressInfoSchema),
  handler: async ({ params, ctx }) => ctx.services.wallets.getAddresses(ctx.walletFor(params)),
});

/** The `generate_address` entry of the method table. */
export const generateAddress = defineMethod({
  name: 'generate_address',
  summary: 'A fresh receive (or change) address, never one handed out before',
  scope: 'wallet:receive',
  audited: true,
  positional: ['label'],
  params: Type.Object({ wallet: OptWallet, label: Type.Optional(Label), change: Type.Optional(Type.Boolean()) }, strict),
  result: AddressInfoSchema,
  handler: async ({ params, ctx }) => {
    const { wallet: _wallet, ...req } = params;
    return ctx.services.wallets.generateAddress(ctx.walletFor(params), req);
  },
});

/** The `get_transaction_history` entry of the method table. */
export const getTransactionHistory = defineMethod({
  name: 'get_transaction_history',
  summary: 'Wallet transactions, newest first, paged by cursor (a page ends early at 10,000 outputs)',
  scope: 'wallet:read',
  errors: ['CHAIN_UNAVAILABLE'],
  positional: ['limit', 'cursor'],
  params: Type.Object(
    {
      wallet: OptWallet,
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_HISTORY_LIMIT })),
      cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    },
    strict,
  ),
  result: TxHistoryPageSchema,
  handler: async ({ params, ctx }) =>
    ctx.services.wallets.getTransactionHistory(ctx.walletFor(params), {
      limit: params.limit ?? DEFAULT_HISTORY_LIMIT,
      ...(params.cursor !== undefined ? { cursor: params.cursor } : {}),
    }),
});

/** The `get_unspent_outputs` entry of the method table. */
export const getUnspentOutputs = defineMethod({
  name: 'get_unspent_outputs',
  summary: 'Unspent outputs with outpoint, value, address, confirmations, coinbase, trusted, spendable and lease expiry',
  scope: 'wallet:read',
  errors: ['CHAIN_UNAVAILABLE'],
  positional: ['minConf'],
  params: Type.Object(
    {
      wallet: OptWallet,
      minConf: Type.Optional(Type.Integer({ minimum: 0, default: DEFAULT_MIN_CONF })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Page size; all coins when absent' })),
      after: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}:[0-9]+$', description: 'Outpoint (txid:vout) of the last coin of the previous page' })),
    },
    strict,
  ),
  result: Type.Array(UnspentOutputSchema),
  handler: async ({ params, ctx }) =>
    ctx.services.wallets.getUnspentOutputs(ctx.walletFor(params), {
      minConf: params.minConf ?? DEFAULT_MIN_CONF, limit: params.limit, after: params.after,
    }),
});

/** The `get_tx_status` entry of the method table. */
export const getTxStatus = defineMethod({
  name: 'get_tx_status',
  summary: 'Confirmations, block height and hash, status (broadcasting, pending, confirmed, replaced, conflicted), replacedBy and conflictedBy',
  scope: 'wallet:read',
  errors: ['CHAIN_UNAVAILABLE', 'TX_NOT_FOUND'],
  positional: ['txid'],
  params: Type.Object({ wallet: OptWallet, txid: Txid }, strict),
  result: TxStatusInfoSchema,
  handler: async ({ params, ctx }) =>
    ctx.services.wallets.getTxStatus(ctx.walletFor(params), params.txid.toLowerCase()),
});

/** The read/receive entries of the method table. */
export const WALLET_METHODS = [
  listWallets, createWallet, selectWallet, getWalletInfo, getBalance, getAddresses, generateAddress,
  getTransactionHistory, getUnspentOutputs, getTxStatus,
];
