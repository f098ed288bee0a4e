/**
 * Descriptions of params, for rpc.discover and docs/api.md, where a param's schema carries none.
 * `method.param` wins; then the schema's own `description`; then the plain param name, so one
 * entry documents a param that many methods share. A test fails when a param has no description.
 */

/** Param descriptions keyed by `method.param` (one method) or `param` (every method). */
export const PARAM_DOCS: Readonly<Record<string, string>> = {
  wallet: 'Wallet id or unique name; defaults to the connection\'s selected wallet, then the token\'s only wallet',
  address: 'A Bitcoin address of the daemon\'s network',
  label: 'Free-text label',
  change: 'True for a change address instead of a receive address',
  limit: 'Page size',
  cursor: 'Opaque cursor from the previous page\'s nextCursor',
  after: 'Outpoint (txid:vout) of the last item of the previous page',
  minConf: 'Minimum confirmations',
  txid: 'Transaction id (64 hex characters)',
  outputs: 'Recipients: address and amount in sats each; an address may appear once',
  feeRate: 'Fee rate in sat/vB (fractions allowed); give feeRate or confTarget, not both',
  confTarget: 'Confirm within this many blocks, using the backend\'s fee estimate',
  idempotencyKey: 'A retry with the same key and request returns the first result and never pays twice',
  inputs: 'Spend exactly these outpoints (coin control)',
  subtractFeeFrom: 'Indexes of outputs that pay the fee',
  dryRun: 'Return fee, size and inputs without leasing, signing or broadcasting',
  psbt: 'Base64 PSBT (BIP174)',
  outpoints: 'Outpoints (txid:vout) to release; all of the wallet\'s leases when absent',
  name: 'Display name',
  addressType: 'p2wpkh (BIP84, default) or p2tr (BIP86)',
  passphrase: 'Passphrase',
  'create_wallet.passphrase': 'Wallet passphrase that encrypts the seed inside the keystore; the wallet starts locked',
  'unlock_wallet.passphrase': 'The wallet passphrase',
  'export_wallet.passphrase': 'Bundle passphrase (at least 12 characters); the bundle is useless without it',
  'import_wallet.passphrase': 'Passphrase of the bundle being imported',
  'backup_wallet.passphrase': 'Bundle passphrase chosen by the caller (needs wallet:export); the configured backup.passphrase when absent',
  oldPassphrase: 'The current wallet passphrase, when one is set (alias: old)',
  newPassphrase: 'The new wallet passphrase (alias: new)',
  timeoutSec: 'Seconds until the wallet locks again',
  bundle: 'Encrypted bundle (base64) from export_wallet or backup_wallet',
  walletPassphrase: 'Wallet passphrase to protect the restored wallets with',
  mnemonic: 'BIP39 mnemonic to restore',
  bip39Passphrase: 'Optional BIP39 passphrase (the "25th word")',
  descriptor: 'Output descriptor of a watch-only wallet',
  xpub: 'Extended public key of a watch-only wallet',
  network: 'Network the imported keys belong to; must match the daemon\'s',
  birthHeight: 'Block height to rescan from',
  fromHeight: 'Block height to rescan from; the wallet\'s birth height when absent',
  scopes: 'Scopes of the new token: a subset of the caller\'s',
  constraints: 'Limits of the new token (wallets, expiresAt, spend limits, destinations, rate): a subset of the caller\'s',
  id: 'Token id',
  beforeId: 'Return audit rows with an id below this one (paging)',
  events: 'Event types to receive: tx, confirmation, balance, block',
  sinceSeq: 'Replay stored events after this seq before live ones',
  subscription: 'Subscription id from subscribe',
  token: 'Bearer token (wd_<id>_<secret>)',
  labels: 'Labels as BIP329 JSON lines',
};

/** The description of one param of one method, or undefined when nobody wrote one. */
export function describeParam(method: string, param: string, schema: { description?: unknown }): string | undefined {
  const own = typeof schema.description === 'string' && schema.description.length > 0 ? schema.description : undefined;
  return PARAM_DOCS[`${method}.${param}`] ?? own ?? PARAM_DOCS[param];
}
