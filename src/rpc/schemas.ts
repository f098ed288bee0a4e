/**
 * Shared TypeBox schemas of the wire format. Param schemas are strict (unknown keys are refused,
 * so a typo is an error, not a silently ignored option); result schemas mirror the DTOs of
 * `src/wallet/wallet-api.ts` exactly. Amounts are integer sats, never floats (SPEC §5).
 */
import { FormatRegistry, Type, type Static, type TSchema } from '@sinclair/typebox';
import { SCOPES } from './scopes.ts';

// RFC 3339 date-time, as OpenRPC/JSON Schema's `date-time` format means it.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)));
}

/** Makes a schema accept null as well. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A wallet id as list_wallets returns it. */
export const WalletId = Type.String({ minLength: 1, maxLength: 128, description: 'Wallet id or unique name', examples: ['w1'] });
/** A Bitcoin address; its validity and network are checked by the wallet (INVALID_ADDRESS, WRONG_NETWORK). */
export const Address = Type.String({
  minLength: 1,
  maxLength: 128,
  examples: ['bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'],
});
/** A transaction id: 64 hex characters. */
export const Txid = Type.String({ pattern: '^[0-9a-fA-F]{64}$', examples: ['a'.repeat(64)] });
/** Satoshis: a non-negative JSON integer no larger than 2^53-1. */
export const Sats = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** A payment amount: at least 1 sat (dust is the wallet's DUST_OUTPUT). */
export const PositiveSats = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, examples: [10_000] });
/** A signed sat amount (a transaction's net effect on the wallet). */
export const SignedSats = Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
/** Fee rate in sat/vB; fractions are allowed (1.5 sat/vB). */
export const FeeRate = Type.Number({ exclusiveMinimum: 0, maximum: 100_000, examples: [2] });
/** Blocks to confirm within, for the backend's fee estimate. */
export const ConfTarget = Type.Integer({ minimum: 1, maximum: 1008 });
/** A free-text address label. */
export const Label = Type.String({ maxLength: 256 });
/** An outpoint, `txid:vout`. */
export const Outpoint = Type.String({ pattern: '^[0-9a-fA-F]{64}:[0-9]{1,6}$', examples: [`${'a'.repeat(64)}:0`] });
/** A secret coming in (passphrases); never echoed back. */
export const Passphrase = Type.String({ minLength: 1, maxLength: 1024, examples: ['correct horse battery'] });
/** A non-negative count or height. */
export const Count = Type.Integer({ minimum: 0 });
/** An ISO-8601 (RFC 3339) timestamp. */
export const DateTime = Type.String({ format: 'date-time', examples: ['2030-01-01T00:00:00.000Z'] });
/** A capability scope (SPEC §4). */
export const ScopeSchema = Type.Union(SCOPES.map((s) => Type.Literal(s)));

/** A named network (SPEC §7). */
export const NetworkNameSchema = Type.Union([
  Type.Literal('mainnet'), Type.Literal('testnet'), Type.Literal('signet'), Type.Literal('regtest'),
]);
/** BIP84 P2WPKH or BIP86 P2TR. */
export const AddressTypeSchema = Type.Union([Type.Literal('p2wpkh'), Type.Literal('p2tr')]);
/** A wallet transaction's status (SPEC §5). */
export const TxStatusSchema = Type.Union([
  Type.Literal('broadcasting'), Type.Literal('pending'), Type.Literal('confirmed'), Type.Literal('replaced'),
  Type.Literal('conflicted'),
]);

/** A token's limits on the wire; `expiresAt` is a date-time string here, unix ms in the store. */
export const TokenConstraintsSchema = Type.Object(
  {
    wallets: Type.Optional(Type.Array(WalletId, { maxItems: 1000 })),
    expiresAt: Type.Optional(DateTime),
    maxSendPerTx: Type.Optional(Sats),
    maxSendPerDay: Type.Optional(Sats),
    allowedDestinations: Type.Optional(Type.Array(Address, { maxItems: 10_000 })),
    rateLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    maxFeeRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'Highest fee rate (sat/vB) this token may pay' })),
  },
  { additionalProperties: false },
);
/** Token constraints as clients send and see them. */
export type WireConstraints = Static<typeof TokenConstraintsSchema>;

const strict = { additionalProperties: false } as const;

/** list_wallets row (WalletSummary). */
export const WalletSummarySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    network: NetworkNameSchema,
    addressType: AddressTypeSchema,
    watchOnly: Type.Boolean(),
    locked: Type.Boolean(),
  },
  strict,
);

/** SyncStatus. */
export const SyncStatusSchema = Type.Object(
  {
    state: Type.Union([Type.Literal('offline'), Type.Literal('syncing'), Type.Literal('synced'), Type.Literal('unavailable')]),
    syncHeight: Nullable(Count),
    tipHeight: Nullable(Count),
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    scanHeight: Nullable(Count),
    scanFrom: Nullable(Count),
    rate: Nullable(Type.Number({ minimum: 0, description: 'Blocks per second of the scan in progress' })),
    etaSeconds: Nullable(Count),
  },
  strict,
);

/** get_wallet_info (WalletInfo): public facts only. */
export const WalletInfoSchema = Type.Object(
  {
    ...WalletSummarySchema.properties,
    hasPassphrase: Type.Boolean(),
    xpub: Type.String(),
    descriptors: Type.Object({ receive: Type.String(), change: Type.String() }, strict),
    masterFingerprint: Type.String(),
    addressCount: Type.Object({ receive: Count, change: Count }, strict),
    txCount: Count,
    unlockedUntil: Nullable(Count),
    sync: SyncStatusSchema,
  },
  strict,
);

/** get_balance (Balance). */
export const BalanceSchema = Type.Object(
  {
    confirmed: Sats, immature: Sats, trustedPending: Sats, untrustedPending: Sats, unconfirmed: Sats,
    spendable: Sats, total: Sats,
  },
  strict,
);

/** get_addresses / generate_address (AddressInfo). */
export const AddressInfoSchema = Type.Object(
  {
    address: Type.String(),
    chain: Type.Union([Type.Literal('receive'), Type.Literal('change')]),
    index: Count,
    path: Type.String(),
    label: Nullable(Type.String()),
    used: Type.Boolean(),
  },
  strict,
);

/** One output of a wallet transaction (TxOutputView). */
export const TxOutputSchema = Type.Object(
  {
    vout: Count, address: Nullable(Type.String()), amount: Sats, mine: Type.Boolean(), change: Type.Boolean(),
    label: Nullable(Type.String()),
  },
  strict,
);

/** get_transaction_history entry (TxHistoryEntry). */
export const TxHistoryEntrySchema = Type.Object(
  {
    txid: Type.String(),
    direction: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing'), Type.Literal('self')]),
    amount: SignedSats,
    fee: Nullable(Sats),
    confirmations: Count,
    blockHeight: Nullable(Count),
    status: TxStatusSchema,
    replacedBy: Nullable(Type.String()),
    conflictedBy: Nullable(Type.String()),
    coinbase: Type.Boolean(),
    time: Count,
    label: Nullable(Type.String()),
    outputs: Type.Array(TxOutputSchema),
  },
  strict,
);

/** get_transaction_history page. */
export const TxHistoryPageSchema = Type.Object(
  { transactions: Type.Array(TxHistoryEntrySchema), nextCursor: Nullable(Type.String()) },
  strict,
);

/** get_unspent_outputs coin (UnspentOutput). */
export const UnspentOutputSchema = Type.Object(
  {
    txid: Type.String(),
    vout: Count,
    value: Sats,
    address: Type.String(),
    confirmations: Count,
    coinbase: Type.Boolean(),
    trusted: Type.Boolean(),
    spendable: Type.Boolean(),
    lockedUntil: Nullable(Count),
  },
  strict,
);

/** get_tx_status (TxStatusInfo). */
export const TxStatusInfoSchema = Type.Object(
  {
    txid: Type.String(),
    status: TxStatusSchema,
    confirmations: Count,
    blockHeight: Nullable(Count),
    blockHash: Nullable(Type.String()),
    replacedBy: Nullable(Type.String()),
    conflictedBy: Nullable(Type.String()),
  },
  strict,
);

/** One payment of send_transaction / sign_transaction (Recipient). */
export const RecipientSchema = Type.Object({ address: Address, amount: PositiveSats }, strict);
/** A non-empty list of payments. */
export const Recipients = Type.Array(RecipientSchema, { minItems: 1, maxItems: 1000 });

/** Where a fee rate came from (FeeSource). */
export const FeeSourceSchema = Type.Union([Type.Literal('explicit'), Type.Literal('estimate'), Type.Literal('fallback')]);

/** Coin control: exactly these wallet coins are spent (InputRef[]). */
export const InputRefs = Type.Array(
  Type.Object({ txid: Txid, vout: Type.Integer({ minimum: 0, maximum: 999_999 }) }, strict),
  { minItems: 1, maxItems: 10_000, description: 'Spend exactly these coins' },
);

/** send_transaction / send_all / cancel_transaction (SendResult). */
export const SendResultSchema = Type.Object(
  {
    txid: Type.String(), fee: Sats, feeRate: Type.Number({ minimum: 0 }),
    feeSource: Type.Optional(FeeSourceSchema), amount: Type.Optional(Sats),
    replayed: Type.Boolean(), status: TxStatusSchema,
    replacedBy: Type.Optional(Nullable(Type.String())), conflictedBy: Type.Optional(Nullable(Type.String())),
  },
  strict,
);

/** A send's `dryRun: true` answer (DryRunResult): nothing leased, signed or broadcast. */
export const DryRunResultSchema = Type.Object(
  {
    dryRun: Type.Literal(true), fee: Sats, vsize: Count, feeRate: Type.Number({ minimum: 0 }), feeSource: FeeSourceSchema, amount: Sats,
    inputs: Type.Array(Type.Object({ txid: Type.String(), vout: Count, value: Sats }, strict)),
    change: Nullable(Type.Object({ address: Nullable(Type.String()), amount: Sats }, strict)),
  },
  strict,
);

/** send_transaction / send_all: the broadcast send, or the preview of a dry run. */
export const SendOrDryRunSchema = Type.Union([SendResultSchema, DryRunResultSchema]);

/** sign_transaction (SignResult). */
export const SignResultSchema = Type.Object(
  { psbt: Type.String(), hex: Nullable(Type.String()), complete: Type.Boolean(), leasedUntil: Nullable(Count) },
  strict,
);

/** token_info / auth: the caller's own token, without any secret. */
export const TokenInfoSchema = Type.Object(
  { id: Type.String(), name: Type.String(), scopes: Type.Array(ScopeSchema), constraints: TokenConstraintsSchema },
  strict,
);

/** token_list row. */
export const TokenListEntrySchema = Type.Object(
  {
    ...TokenInfoSchema.properties,
    createdBy: Nullable(Type.String()),
    createdAt: DateTime,
    revokedAt: Nullable(DateTime),
  },
  strict,
);

/** token_create: the token string, shown this once. */
export const TokenCreatedSchema = Type.Object({ ...TokenInfoSchema.properties, token: Type.String() }, strict);

/** get_audit_log row. */
export const AuditEntrySchema = Type.Object(
  {
    id: Nullable(Type.Integer()),
    at: DateTime,
    tokenId: Nullable(Type.String()),
    method: Type.String(),
    wallet: Nullable(Type.String()),
    outcome: Type.String(),
    txid: Nullable(Type.String()),
  },
  strict,
);

/** get_node_info (SPEC §5): the config inside has every secret redacted. */
export const NodeInfoSchema = Type.Object(
  {
    version: Type.String(),
    network: NetworkNameSchema,
    backend: Type.String(),
    state: Type.String(),
    tipHeight: Nullable(Count),
    syncHeight: Nullable(Count),
    uptimeSec: Count,
    /** The chain backend's last failure (credentials and URL userinfo redacted), kept after it recovers. */
    lastBackendError: Nullable(Type.Object({ message: Type.String(), at: DateTime }, strict)),
    config: Type.Record(Type.String(), Type.Unknown()),
  },
  strict,
);
/** get_node_info result. */
export type NodeInfo = Static<typeof NodeInfoSchema>;
