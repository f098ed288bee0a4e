/**
 * In-memory fakes for the RPC unit tests: a token store that is also the spend ledger and the
 * audit log, a WalletApi returning valid canned DTOs, and a hand-driven clock.
 */
import { Value } from '@sinclair/typebox/value';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { ConfigSchema, type WalletdConfig } from '../../src/config/schema.ts';
import type { CallerToken, RpcServices, Session } from '../../src/rpc/context.ts';
import type { AuditEntry, AuditStore, SpendLedger, TokenConstraints, TokenRecord, TokenStore } from '../../src/rpc/ports.ts';
import type { Scope } from '../../src/rpc/scopes.ts';
import { mintToken, toCallerToken } from '../../src/rpc/tokens.ts';
import type { Clock } from '../../src/wallet/ports.ts';
import { FakePortability } from '../portability/fake-portability.ts';
import { MemoryEventStore } from '../notify/memory-event-store.ts';
import { Notifier } from '../../src/notify/notifier.ts';
import type {
  DryRunResult, SendAllRequest, SendOptions, SendOutcome, SendRequest, SendResult, SpendGuard, WalletApi, WalletSummary,
} from '../../src/wallet/wallet-api.ts';

/** The fee of every draft the fake wallet signs. */
export const FAKE_DRAFT_FEE = 200n;

/** TokenStore + SpendLedger + AuditStore over arrays. */
export class MemoryStores implements TokenStore, SpendLedger, AuditStore {
  tokens = new Map<string, TokenRecord>();
  spends: Array<{ tokenId: string; walletId: string; txid: string; amount: bigint; at: number }> = [];
  audits: AuditEntry[] = [];

  async insertToken(token: TokenRecord) {
    this.tokens.set(token.id, structuredClone(token));
  }
  async getToken(id: string) {
    const t = this.tokens.get(id);
    return t ? structuredClone(t) : null;
  }
  async listTokens() {
    return [...this.tokens.values()].map((t) => structuredClone(t));
  }
  async revokeToken(id: string, at: number) {
    const t = this.tokens.get(id);
    if (!t || t.revokedAt !== null) return false;
    t.revokedAt = at;
    return true;
  }
  async recordSpend(tokenId: string, walletId: string, txid: string, amount: bigint, at: number) {
    this.spends.push({ tokenId, walletId, txid, amount, at });
  }
  async spentSince(tokenId: string, since: number) {
    return this.spends.filter((s) => s.tokenId === tokenId && s.at >= since).reduce((a, s) => a + s.amount, 0n);
  }
  async chargedFor(walletId: string, txid: string) {
    return [...new Set(this.spends.filter((s) => s.walletId === walletId && s.txid === txid).map((s) => s.tokenId))];
  }
  async appendAudit(entry: AuditEntry) {
    this.audits.push({ ...entry, id: this.audits.length + 1 });
  }
  async listAudit(opts: { limit: number; beforeId?: number }) {
    return this.audits
      .filter((a) => opts.beforeId === undefined || a.id! < opts.beforeId)
      .reverse()
      .slice(0, opts.limit);
  }
}

/** A clock the test moves by hand. */
export class FakeClock implements Clock {
  constructor(public t = Date.UTC(2030, 0, 1)) {}
  now() {
    return this.t;
  }
  setTimer() {
    return () => undefined;
  }
}

const TXID = 'ab'.repeat(32);

function summary(id: string): WalletSummary {
  return { id, name: `wallet ${id}`, network: 'regtest', addressType: 'p2wpkh', watchOnly: false, locked: true };
}

/** A WalletApi over two wallets (w1, w2) returning valid DTOs; it records calls and runs send guards. */
export class FakeWalletApi implements WalletApi {
  calls: Array<{ op: string; walletId?: string; req?: unknown }> = [];
  sendDelayMs = 0;
  nextTxid = 0;
  private known = new Set(['w1', 'w2']);

  private check(op: string, walletId: string, req?: unknown) {
    this.calls.push({ op, walletId, req });
    if (!this.known.has(walletId)) throw Object.assign(new Error('no wallet'), { walletId });
  }
  async listWallets() {
    return [...this.known].map(summary);
  }
  async createWallet(req: { name: string }) {
    this.calls.push({ op: 'createWallet', req });
    this.known.add('w3');
    return { ...summary('w3'), name: req.name };
  }
  async getWalletInfo(walletId: string) {
    this.check('getWalletInfo', walletId);
    return {
      ...summary(walletId), hasPassphrase: false, xpub: 'tpubFAKE', descriptors: { receive: 'wpkh(x/0/*)', change: 'wpkh(x/1/*)' },
      masterFingerprint: '00000000', addressCount: { receive: 20, change: 20 }, txCount: 0, unlockedUntil: null,
      sync: { state: 'offline' as const, syncHeight: null, tipHeight: null, progress: 0, scanHeight: null, scanFrom: null, rate: null, etaSeconds: null },
    };
  }
  async getBalance(walletId: string) {
    this.check('getBalance', walletId);
    return { confirmed: 1000, immature: 0, trustedPending: 0, untrustedPending: 0, unconfirmed: 0, spendable: 1000, total: 1000 };
  }
  async getAddresses(walletId: string) {
    this.check('getAddresses', walletId);
    return [await this.generateAddress(walletId, {})];
  }
  async generateAddress(walletId: string, req: { label?: string; change?: boolean }) {
    this.check('generateAddress', walletId, req);
    return { address: 'bcrt1qfake', chain: 'receive' as const, index: 0, path: "m/84'/1'/0'/0/0", label: req.label ?? null, used: false };
  }
  async getTransactionHistory(walletId: string, req: { limit: number; cursor?: string }) {
    this.check('getTransactionHistory', walletId, req);
    return { transactions: [], nextCursor: null };
  }
  async getUnspentOutputs(walletId: string, req: { minConf: number }) {
    this.check('getUnspentOutputs', walletId, req);
    return [{ txid: TXID, vout: 0, value: 1000, address: 'bcrt1qfake', confirmations: 1, coinbase: false, trusted: false, spendable: true, lockedUntil: null }];
  }
  async getTxStatus(walletId: string, txid: string) {
    this.check('getTxStatus', walletId, txid);
    return { txid, status: 'pending' as const, confirmations: 0, blockHeight: null, blockHash: null, replacedBy: null, conflictedBy: null };
  }
  async getTransaction(walletId: string, txid: string) {
    this.check('getTransaction', walletId, txid);
    const output = { vout: 0, address: 'bcrt1qfake', amount: 1000, mine: true, change: false, label: null };
    return {
      txid, direction: 'incoming' as const, amount: 1000, fee: null, confirmations: 0, blockHeight: null, status: 'pending' as const,
      replacedBy: null, conflictedBy: null, coinbase: false, time: 0, label: null, outputs: [output],
      blockHash: null, inputs: [{ txid: TXID, vout: 0, address: null, amount: null, mine: false }], vsize: 110, hex: '00',
    };
  }
  async setLabel(walletId: string, req: unknown) {
    this.check('setLabel', walletId, req);
  }
  async exportLabels(walletId: string) {
    this.check('exportLabels', walletId);
    return { labels: '', count: 0 };
  }
  async importLabels(walletId: string, req: unknown) {
    this.check('importLabels', walletId, req);
    return { imported: 0, refused: [] };
  }
  async rescanWallet(walletId: string, req: { fromHeight?: number }) {
    this.check('rescanWallet', walletId, req);
    return { fromHeight: req.fromHeight ?? 0, tipHeight: null };
  }
  async sendTransaction<R extends SendRequest>(walletId: string, req: R): Promise<SendOutcome<R>> {
    this.check('sendTransaction', walletId, req);
    const amount = req.outputs.reduce((s, o) => s + BigInt(o.amount), 0n);
    return this.fakeSend(amount, req.outputs.map((o) => o.address), req) as Promise<SendOutcome<R>>;
  }
  async sendAll<R extends SendAllRequest>(walletId: string, req: R): Promise<SendOutcome<R>> {
    this.check('sendAll', walletId, req);
    return this.fakeSend(100_000n, [req.address], req) as Promise<SendOutcome<R>>;
  }
  private async fakeSend(amount: bigint, destinations: string[], req: SendOptions): Promise<SendResult | DryRunResult> {
    await req.guard?.({ amount, fee: 141n, feeRate: 1, destinations });
    if (req.dryRun) {
      return { dryRun: true, fee: 141, vsize: 141, feeRate: 1, feeSource: 'explicit', amount: Number(amount), inputs: [{ txid: TXID, vout: 0, value: Number(amount) + 141 }], change: null };
    }
    if (this.sendDelayMs) await new Promise((r) => setTimeout(r, this.sendDelayMs));
    const txid = (this.nextTxid++).toString(16).padStart(64, '0');
    return { txid, fee: 141, feeRate: 1, feeSource: 'explicit', amount: Number(amount), replayed: false, status: 'pending' as const };
  }
  async signTransaction(walletId: string, req: { outputs?: Array<{ amount: number }> } | { psbt: string }) {
    this.check('signTransaction', walletId, req);
    if (!('outputs' in req) || !req.outputs) return { psbt: 'cHNidP8=', hex: null, complete: false, leasedUntil: null };
    // A draft paying the outputs' sum from one input, with a fee of FAKE_DRAFT_FEE.
    const amount = req.outputs.reduce((s, o) => s + BigInt(o.amount), 0n);
    const psbt = new Psbt();
    psbt.addInput({ hash: TXID, index: 0, witnessUtxo: { script: Uint8Array.from([0x00, 0x14, ...new Array(20).fill(1)]), value: amount + FAKE_DRAFT_FEE } });
    psbt.addOutput({ script: Uint8Array.from([0x00, 0x14, ...new Array(20).fill(2)]), value: amount });
    // The unsigned transaction stands in for the final one (82 vB), so a fee rate can be read.
    const hex = Transaction.fromBuffer(psbt.data.getTransaction()).toHex();
    return { psbt: psbt.toBase64(), hex, complete: true, leasedUntil: null };
  }
  async cancelTransaction(walletId: string, req: { txid: string; guard?: SpendGuard }) {
    this.check('cancelTransaction', walletId, req);
    await req.guard?.({ amount: 0n, fee: 200n, feeRate: 2, destinations: [] });
    return { txid: TXID, fee: 200, feeRate: 2, replayed: false, status: 'pending' as const };
  }
  async bumpFee(walletId: string, req: { txid: string; guard?: SpendGuard }) {
    this.check('bumpFee', walletId, req);
    await req.guard?.({ amount: 0n, fee: 300n, feeRate: 3, destinations: [] });
    return { txid: TXID, method: 'rbf' as const, fee: 300, feeRate: 3, effectiveFeeRate: 3, status: 'pending' as const };
  }
  async createPsbt(walletId: string, req: unknown) {
    this.check('createPsbt', walletId, req);
    return { psbt: 'cHNidP8A', fee: 200, feeRate: 2, feeSource: 'explicit' as const, vsize: 100, changeIndex: null, inputs: [`${TXID}:0`], leasedUntil: 1 };
  }
  async releaseOutputs(walletId: string, req: unknown) {
    this.check('releaseOutputs', walletId, req);
    return { released: 0 };
  }
  async setPassphrase(walletId: string, req: unknown) {
    this.check('setPassphrase', walletId, req);
  }
  async unlockWallet(walletId: string, req: unknown) {
    this.check('unlockWallet', walletId, req);
  }
  async lockWallet(walletId: string) {
    this.check('lockWallet', walletId);
  }
}

/** The built-in default config, with overrides. */
export function testConfig(rpc: Partial<WalletdConfig['rpc']> = {}): WalletdConfig {
  const config = Value.Default(ConfigSchema, { network: 'regtest' }) as WalletdConfig;
  Object.assign(config.rpc, rpc);
  return config;
}

/** RpcServices over the fakes. */
export function fakeServices(overrides: { config?: WalletdConfig } = {}) {
  const stores = new MemoryStores();
  const clock = new FakeClock();
  const wallets = new FakeWalletApi();
  const config = overrides.config ?? testConfig();
  const services: RpcServices = {
    wallets, tokens: stores, spends: stores, audit: stores, clock, config,
    portability: new FakePortability(),
    notifier: new Notifier({ store: new MemoryEventStore(), clock }),
    nodeInfo: async () => ({
      version: '0.1.0', network: 'regtest', backend: 'none', state: 'offline', tipHeight: null, syncHeight: null,
      uptimeSec: 0, lastBackendError: null, config: config as unknown as Record<string, unknown>,
    }),
  };
  return { services, stores, clock, wallets };
}

/** Mints a token in the store; returns the string and its caller view. */
export async function makeToken(
  store: TokenStore,
  scopes: Scope[],
  constraints: TokenConstraints = {},
): Promise<{ token: string; caller: CallerToken }> {
  const { token, record } = await mintToken(store, { name: 't', scopes, constraints, createdBy: null });
  return { token, caller: toCallerToken(record) };
}

let sessionCounter = 0;
/** A fresh HTTP-like session carrying `token`. */
export function session(token: CallerToken | null, transport: Session['transport'] = 'http'): Session {
  const notify = transport === 'ws' ? { notify: () => {} } : {};
  return { id: `s${++sessionCounter}`, transport, token, selectedWallet: null, ...notify };
}
