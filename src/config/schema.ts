/**
 * walletd's configuration schema (SPEC §2, §7). The schema is the single description of every
 * key: defaults, types, which keys are secrets, and (by derivation) their `WALLETD_*` variable
 * and `--flag` names.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Marks a string key as a secret: it gets a `_FILE` variant and is redacted in get_node_info. */
const Secret = (schema: TSchema = Type.String({ minLength: 1 })) => ({ ...schema, secret: true });

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const SatPerVb = Type.Number({ exclusiveMinimum: 0, maximum: 100_000 });

/** Custom chain parameters (`networkParams`), in bitcoinjs-lib's Network shape. */
export const NetworkParamsSchema = Type.Object(
  {
    messagePrefix: Type.Optional(Type.String()),
    bech32: Type.String({ minLength: 1, maxLength: 83 }),
    pubKeyHash: Type.Integer({ minimum: 0, maximum: 255 }),
    scriptHash: Type.Integer({ minimum: 0, maximum: 255 }),
    wif: Type.Integer({ minimum: 0, maximum: 255 }),
    bip32: Type.Object({
      public: Type.Integer({ minimum: 0, maximum: 0xffffffff }),
      private: Type.Integer({ minimum: 0, maximum: 0xffffffff }),
    }),
  },
  { additionalProperties: false },
);

/** Every configuration key with its type, default and secret mark (SPEC §2, §7). */
export const ConfigSchema = Type.Object(
  {
    datadir: Type.String({ minLength: 1, default: './data' }),
    network: Type.Union(
      [Type.Literal('mainnet'), Type.Literal('testnet'), Type.Literal('signet'), Type.Literal('regtest')],
      { default: 'mainnet' },
    ),
    networkParams: Type.Optional(NetworkParamsSchema),
    keystore: Type.Object(
      { passphrase: Type.Optional(Secret()) },
      { default: {}, additionalProperties: false },
    ),
    chain: Type.Object(
      {
        backend: Type.Union([Type.Literal('none'), Type.Literal('bitcoind'), Type.Literal('esplora')], {
          default: 'none',
        }),
        url: Type.Optional(Type.String({ minLength: 1 })),
        user: Type.Optional(Type.String()),
        password: Type.Optional(Secret()),
        /** bitcoind's `.cookie` file (its default auth), e.g. `~/.bitcoin/regtest/.cookie`. */
        cookieFile: Type.Optional(Type.String({ minLength: 1 })),
        pollIntervalMs: Type.Integer({ minimum: 50, maximum: 3_600_000, default: 1000 }),
        timeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    rpc: Type.Object(
      {
        host: Type.String({ minLength: 1, default: '127.0.0.1' }),
        port: Type.Integer({ ...Port, default: 7380 }),
        allowRemote: Type.Boolean({ default: false }),
        allowedOrigins: Type.Array(Type.String(), { default: [] }),
        allowedHosts: Type.Array(Type.String(), { default: [] }),
        maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 }),
        maxBatch: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
        /** Requests per minute per token, unless the token carries its own `rateLimit`. */
        rateLimitPerMin: Type.Integer({ minimum: 1, default: 1200 }),
        /** Delay after each failed authentication from one source (Bitcoin Core sleeps 250 ms). */
        authFailureDelayMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 250 }),
        /** SPEC §10 bounds: a client must finish its headers, and its whole request, within these. */
        headersTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
        requestTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 }),
        /** A WebSocket opened without a token is closed unless `auth` succeeds within this. */
        wsAuthDeadlineMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
        /** Open connections per listener (TCP, unix socket); more are closed at once. */
        maxConnections: Type.Integer({ minimum: 1, maximum: 100_000, default: 512 }),
        maxSubscriptionsPerConnection: Type.Integer({ minimum: 1, maximum: 10_000, default: 32 }),
        maxSubscriptionsPerToken: Type.Integer({ minimum: 1, maximum: 100_000, default: 128 }),
        /** Key-derivation methods running at once, and waiting, before RATE_LIMITED (SPEC §10). */
        kdfConcurrency: Type.Integer({ minimum: 1, maximum: 4, default: 1 }),
        kdfQueue: Type.Integer({ minimum: 0, maximum: 10_000, default: 16 }),
      },
      { default: {}, additionalProperties: false },
    ),
    fees: Type.Object(
      {
        /**
         * sat/vB used when the backend has no estimate (fresh regtest, quiet signet). Unset by
         * default, as Core's -fallbackfee=0: a confTarget with no estimate then fails with
         * FEE_ESTIMATE_UNAVAILABLE instead of silently paying a made-up rate.
         */
        fallbackFeeRate: Type.Optional(SatPerVb),
        maxFeeRate: Type.Number({ ...SatPerVb, default: 1000 }),
        maxFeeSats: Type.Integer({ minimum: 1, default: 5_000_000 }),
        defaultConfTarget: Type.Integer({ minimum: 1, maximum: 1008, default: 6 }),
      },
      { default: {}, additionalProperties: false },
    ),
    wallet: Type.Object(
      {
        gapLimit: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
        // A restore from a bare seed or xpub cannot know how far the old wallet handed out
        // addresses: look this far past the last used one, like Bitcoin Core's keypool.
        discoveryGap: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
        // Core's -spendzeroconfchange: the wallet's own unconfirmed change may fund a send.
        spendZeroConfChange: Type.Boolean({ default: true }),
        leaseSeconds: Type.Integer({ minimum: 1, default: 600 }),
        maxUnlockSeconds: Type.Integer({ minimum: 1, default: 86_400 }),
      },
      { default: {}, additionalProperties: false },
    ),
    backup: Type.Object(
      {
        dir: Type.Optional(Type.String({ minLength: 1 })),
        keep: Type.Integer({ minimum: 1, maximum: 10_000, default: 10 }),
        /** 0 disables scheduled backups. */
        intervalHours: Type.Number({ minimum: 0, default: 0 }),
        passphrase: Type.Optional(Secret(Type.String({ minLength: 12 }))),
      },
      { default: {}, additionalProperties: false },
    ),
    notify: Type.Object(
      {
        confirmationDepth: Type.Integer({ minimum: 1, maximum: 1000, default: 6 }),
        /** POST every event to these URLs, signed with each secret (README "Notifications"). */
        // The whole list is a secret so redactConfig hides the per-webhook secrets inside it.
        webhooks: Type.Array(
          Type.Object(
            {
              url: Type.String({ pattern: '^https?://' }),
              // Length is checked in createNotifier: a schema error here would echo the value.
              secret: Type.String({ minLength: 1, secret: true }),
              events: Type.Optional(
                Type.Array(
                  Type.Union([Type.Literal('tx'), Type.Literal('confirmation'), Type.Literal('balance'), Type.Literal('block')]),
                  { minItems: 1, uniqueItems: true },
                ),
              ),
            },
            { additionalProperties: false },
          ),
          { default: [], maxItems: 20, secret: true },
        ),
        webhookMaxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
        webhookRetryBaseMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 1000 }),
        webhookRetryMaxMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: 60_000 }),
        webhookTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
        pretty: Type.Boolean({ default: false }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** The validated, fully defaulted configuration. */
export type WalletdConfig = Static<typeof ConfigSchema>;
