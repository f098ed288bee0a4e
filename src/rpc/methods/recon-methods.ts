/**
 * Reconciliation methods of SPEC §5 (issue 13): get_transaction, set_label, export_labels,
 * import_labels (BIP329 JSON Lines) and rescan_wallet.
 */
import { Type } from '@sinclair/typebox';
import { defineMethod } from '../define-method.ts';
import {
  Address, Count, Label, Nullable, Sats, TxHistoryEntrySchema, Txid, WalletId,
} from '../schemas.ts';

const strict = { additionalProperties: false } as const;
const OptWallet = Type.Optional(WalletId);

/** One input of get_transaction (TxInputView). */
export const TxInputSchema = Type.Object(
  { txid: Type.String(), vout: Count, address: Nullable(Type.String()), amount: Nullable(Sats), mine: Type.Boolean() },
  strict,
);

/** get_transaction (TxDetails). */
export const TxDetailsSchema = Type.Object(
  {
    ...TxHistoryEntrySchema.properties,
    blockHash: Nullable(Type.String()),
    inputs: Type.Array(TxInputSchema),
    vsize: Count,
    hex: Type.String(),
  },
  strict,
);

/** A BIP329 document: JSON Lines, one record per line. */
const Bip329Text = Type.String({
  maxLength: 16 * 1024 * 1024,
  description: 'BIP329 JSON Lines: {"type", "ref", "label"?, "origin"?, "spendable"?} per line',
  examples: ['{"type":"tx","ref":"' + 'a'.repeat(64) + '","label":"refund"}\n'],
});

/** The `get_transaction` entry of the method table. */
export const getTransaction = defineMethod({
  name: 'get_transaction',
  summary: 'One wallet transaction in full: inputs, outputs (address, amount, mine, change, label), fee, vsize, status, confirmations, block, replacedBy/conflictedBy, label, hex',
  scope: 'wallet:read',
  positional: ['txid'],
  params: Type.Object({ wallet: OptWallet, txid: Txid }, strict),
  result: TxDetailsSchema,
  handler: async ({ params, ctx }) => ctx.services.wallets.getTransaction(ctx.walletFor(params), params.txid.toLowerCase()),
});

/** The `set_label` entry of the method table. */
export const setLabel = defineMethod({
  name: 'set_label',
  summary: 'Label an address (the wallet\'s or a counterparty\'s) or a wallet transaction: exactly one of address and txid; an empty label clears it',
  scope: 'wallet:receive',
  audited: true,
  params: Type.Object({ wallet: OptWallet, address: Type.Optional(Address), txid: Type.Optional(Txid), label: Label }, strict),
  result: Type.Boolean(),
  handler: async ({ params, ctx }) => {
    const { wallet: _wallet, ...req } = params;
    await ctx.services.wallets.setLabel(ctx.walletFor(params), req);
    return true;
  },
});

/** The `export_labels` entry of the method table. */
export const exportLabels = defineMethod({
  name: 'export_labels',
  summary: 'Every label of the wallet (addresses, transactions, and imported records) as BIP329 JSON Lines',
  scope: 'wallet:read',
  params: Type.Object({ wallet: OptWallet }, strict),
  result: Type.Object({ labels: Type.String(), count: Count }, strict),
  handler: async ({ params, ctx }) => ctx.services.wallets.exportLabels(ctx.walletFor(params)),
});

/** The `import_labels` entry of the method table. */
export const importLabels = defineMethod({
  name: 'import_labels',
  summary: 'Import BIP329 JSON Lines: valid lines are stored in one transaction, every refused line is named with its reason',
  scope: 'wallet:admin',
  audited: true,
  params: Type.Object({ wallet: OptWallet, labels: Bip329Text }, strict),
  result: Type.Object(
    { imported: Count, refused: Type.Array(Type.Object({ line: Count, reason: Type.String() }, strict)) },
    strict,
  ),
  handler: async ({ params, ctx }) => ctx.services.wallets.importLabels(ctx.walletFor(params), { labels: params.labels }),
});

/** The `rescan_wallet` entry of the method table. */
export const rescanWallet = defineMethod({
  name: 'rescan_wallet',
  summary: 'Rescan the chain for the wallet from a height (default: its birth height); progress is in get_wallet_info.sync',
  scope: 'wallet:admin',
  audited: true,
  positional: ['fromHeight'],
  params: Type.Object({ wallet: OptWallet, fromHeight: Type.Optional(Count) }, strict),
  result: Type.Object({ fromHeight: Count, tipHeight: Nullable(Count) }, strict),
  handler: async ({ params, ctx }) =>
    ctx.services.wallets.rescanWallet(ctx.walletFor(params), params.fromHeight === undefined ? {} : { fromHeight: params.fromHeight }),
});

/** The reconciliation entries of the method table. */
export const RECON_METHODS = [getTransaction, setLabel, exportLabels, importLabels, rescanWallet];
