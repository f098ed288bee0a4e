/**
 * The wallet: every operation of SPEC §5 that belongs to a wallet, over the ports only
 * (store, chain, clock). No fs, no sockets, no system clock: adapters are injected.
 */
import { randomBytes } from 'node:crypto';
import { highWaterOf, lookaheadRows } from './keys/address-book.ts';
import { walletDescriptors } from './keys/descriptors.ts';
import { generateMnemonic } from './keys/mnemonic.ts';
import { accountOfSecret, secretFromMnemonic } from './secrets/wallet-secret.ts';
import type { ChainBackend, Clock, WalletStore } from './ports.ts';
import { sealSeed } from './secrets/seed-vault.ts';
import { SeedKeeper } from './secrets/seed-keeper.ts';
import { SpendEngine } from './spend/spend-engine.ts';
import type { DeriveKey } from './secrets/seed-cache.ts';
import { SyncRunner, type WalletEventSink } from './ledger/sync-runner.ts';
import type { AddressRecord, AddressType, Network, WalletRecord } from './types.ts';
import type {
  AddressInfo, Balance, BumpRequest, BumpResult, CreatePsbtRequest, CreatePsbtResult, RescanResult, SendAllRequest, SendOutcome,
  SendRequest, SendResult, SignRequest, SignResult, TxDetails, TxStatusInfo, UnspentOutput, WalletApi, WalletInfo, WalletSummary,
} from './wallet-api.ts';
import { readBalance } from './ledger/balance-reader.ts';
import { LIVE_BUCKETS, MINED_BUCKETS } from './ledger/ledger-types.ts';
import { coinView, txStatusView } from './ledger/ledger-views.ts';
import { TxReader } from './ledger/tx-reader.ts';
import { LabelService } from './labels/label-service.ts';
import { SILENT_LOG, type WalletLog, type WalletSettings } from './settings.ts';
import { fail } from '../errors.ts';

export type { WalletLog, WalletSettings } from './settings.ts';

/** Everything the service needs, all injected. */
export interface WalletServiceDeps {
  store: WalletStore;
  clock: Clock;
  network: Network;
  chain: ChainBackend | null;
  settings: WalletSettings;
  log?: WalletLog;
  events?: WalletEventSink;
  /** Replaces the scrypt run that opens a no-passphrase wallet's seed (tests count KDF runs). */
  deriveKey?: DeriveKey;
}


/** The wallet service behind the RPC methods. */
export class WalletService implements WalletApi {
  readonly seeds: SeedKeeper;
  readonly sync: SyncRunner;
  private readonly spend: SpendEngine;
  private readonly reader: TxReader;
  private readonly labels: LabelService;
  /** Per-wallet tail of address issuance, so two concurrent calls never hand out one address. */
  private readonly issuing = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: WalletServiceDeps) {
    this.seeds = new SeedKeeper(deps.clock, deps.settings.maxUnlockSeconds, deps.deriveKey ? { deriveKey: deps.deriveKey } : {});
    this.sync = new SyncRunner({ ...deps, log: deps.log ?? SILENT_LOG });
    this.reader = new TxReader(deps);
    this.labels = new LabelService(deps);
    this.spend = new SpendEngine({
      ...deps,
      withSeed: (wallet, fn) => this.seeds.withSeed(wallet, fn),
      tipHeight: () => this.sync.tipHeight(),
      refresh: (walletId) => this.sync.requestSync(walletId),
      issueAddress: (wallet, chain, label) => this.issueAddress(wallet, chain, label),
      announce: (walletId, txid, status, links) => this.sync.announce(walletId, txid, status, links),
    });
  }

  /** Starts following the chain (no-op for an offline signer). */
  start(): void {
    this.sync.start();
  }

  /** Stops sync and zeroes every unlocked seed. */
  async stop(): Promise<void> {
    await this.sync.stop();
    this.seeds.lockAll();
  }

  /** Backend kind, heights and state, for get_node_info, /readyz and metrics. */
  chainStatus() {
    return this.sync.status();
  }

  /** Loads a wallet or fails with WALLET_NOT_FOUND. */
  async wallet(walletId: string): Promise<WalletRecord> {
    return (await this.deps.store.getWallet(walletId)) ?? fail('WALLET_NOT_FOUND', undefined, { wallet: walletId });
  }

  private summary(w: WalletRecord): WalletSummary {
    return {
      id: w.id, name: w.name, network: w.network, addressType: w.addressType,
      watchOnly: w.sealedSeed === null, locked: this.seeds.isLocked(w),
    };
  }

  /** Runs `fn` with the wallet's seed (see SeedKeeper.withSeed). */
  withSeed<T>(w: WalletRecord, fn: (seed: Uint8Array) => Promise<T> | T): Promise<T> {
    return this.seeds.withSeed(w, fn);
  }

  async listWallets(): Promise<WalletSummary[]> {
    return (await this.deps.store.listWallets()).map((w) => this.summary(w));
  }

  async createWallet(req: { name: string; addressType?: AddressType; passphrase?: string }): Promise<WalletSummary> {
    const secret = secretFromMnemonic(generateMnemonic());
    try {
      return await this.addWalletFromSecret({ name: req.name, addressType: req.addressType ?? 'p2wpkh', secret, passphrase: req.passphrase, fresh: true });
    } finally {
      secret.fill(0);
    }
  }

  /**
   * Stores a wallet built from a wallet secret (see wallet-secret.ts), sealed under `passphrase`
   * ('' when none). A fresh seed has no history, so its scan starts at the current tip.
   */
  async addWalletFromSecret(req: { name: string; addressType: AddressType; secret: Uint8Array; passphrase?: string; fresh: boolean }): Promise<WalletSummary> {
    const account = accountOfSecret(req.secret, req.addressType, this.deps.network);
    if (await this.deps.store.findWalletByAccountXpub(account.accountXpub)) {
      fail('WALLET_EXISTS', undefined, { masterFingerprint: account.masterFingerprint });
    }
    const sealedSeed = await sealSeed(req.secret, req.passphrase ?? '');
    return this.insertWallet({
      name: req.name, addressType: req.addressType, accountXpub: account.accountXpub,
      masterFingerprint: account.masterFingerprint, sealedSeed, hasPassphrase: Boolean(req.passphrase),
      birthHeight: req.fresh ? await this.sync.currentTipHeight() : 0,
    });
  }

  /** Inserts a wallet record with its initial lookahead addresses. */
  async insertWallet(fields: Omit<WalletRecord, 'id' | 'network' | 'createdAt' | 'lookahead'>): Promise<WalletSummary> {
    const wallet: WalletRecord = {
      ...fields,
      id: `w_${randomBytes(6).toString('hex')}`,
      network: this.deps.network.name,
      createdAt: this.deps.clock.now(),
      lookahead: this.deps.settings.gapLimit,
    };
    const rows = lookaheadRows(wallet, this.deps.network, highWaterOf([]), wallet.lookahead);
    await this.deps.store.insertWallet(wallet, rows);
    this.deps.log?.info({ wallet: wallet.id, addressType: wallet.addressType }, 'wallet created');
    this.sync.requestSync(wallet.id);
    return this.summary(wallet);
  }

  async getWalletInfo(walletId: string): Promise<WalletInfo> {
    const w = await this.wallet(walletId);
    const [counts, txCount] = await Promise.all([this.deps.store.addressCounts(walletId), this.deps.store.countTxs(walletId)]);
    const until = this.seeds.unlockedUntil(w);
    return {
      ...this.summary(w),
      hasPassphrase: w.hasPassphrase,
      xpub: w.accountXpub,
      descriptors: walletDescriptors(w.accountXpub, w.masterFingerprint, w.addressType, this.deps.network),
      masterFingerprint: w.masterFingerprint,
      addressCount: { receive: counts[0], change: counts[1] },
      txCount,
      unlockedUntil: until === null ? null : Math.floor(until / 1000),
      sync: this.sync.walletStatus(walletId),
    };
  }

  /**
   * The tip to count confirmations against: the backend's last known tip, or, before the first
   * pass after a restart (or offline), the height the wallet was last synced to.
   */
  private async tipHeight(walletId: string): Promise<number | null> {
    return this.sync.tipHeight() ?? (await this.deps.store.getSyncPoint(walletId))?.height ?? null;
  }

  /**
   * SPEC §7: an offline signer (no backend configured) knows no chain state, so chain-only reads
   * answer CHAIN_UNAVAILABLE rather than an empty wallet. A configured backend that is down still
   * serves what was synced.
   */
  private requireChain(): void {
    if (!this.deps.chain) fail('CHAIN_UNAVAILABLE', 'no chain backend is configured (offline signer)');
  }

  async getBalance(walletId: string, address?: string): Promise<Balance> {
    await this.wallet(walletId);
    this.requireChain();
    if (address !== undefined && !(await this.deps.store.findAddress(walletId, address))) {
      fail('INVALID_ADDRESS', 'address does not belong to this wallet');
    }
    return readBalance(this.deps.store, walletId, {
      now: this.deps.clock.now(), spendZeroConfChange: this.deps.settings.spendZeroConfChange, address,
    });
  }

  async getAddresses(walletId: string): Promise<AddressInfo[]> {
    await this.wallet(walletId);
    const rows = await this.deps.store.listAddresses(walletId);
    return rows.filter((r) => r.issued || r.used).map(addressInfo);
  }

  async generateAddress(walletId: string, req: { label?: string; change?: boolean }): Promise<AddressInfo> {
    const w = await this.wallet(walletId);
    return addressInfo(await this.issueAddress(w, req.change ? 1 : 0, req.label ?? null));
  }

  /**
   * Issues the next address on `chain` that was never handed out nor seen used, and tops up the
   * lookahead. Serialized per wallet: two concurrent calls (generate_address, or a send's change)
   * would otherwise read the same row and hand out the same address twice.
   */
  async issueAddress(w: WalletRecord, chain: 0 | 1, label: string | null): Promise<AddressRecord> {
    const previous = this.issuing.get(w.id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      const { store, network } = this.deps;
      const topUp = async () => {
        const rows = await store.transact(w.id, async (txn) => {
          const more = lookaheadRows(w, network, await txn.addressHighWater(), w.lookahead);
          await txn.insertAddresses(more);
          return more;
        });
        this.sync.watchScripts(w.id, rows.map((r) => r.script));
      };
      let row = await store.nextFreeAddress(w.id, chain);
      if (!row) {
        await topUp();
        row = (await store.nextFreeAddress(w.id, chain)) ?? fail('INTERNAL', `no address could be derived on chain ${chain}`);
      }
      await store.markIssued(w.id, chain, row.index, label);
      await topUp();
      return { ...row, issued: true, label: label ?? row.label };
    });
    const tail = next.catch(() => undefined);
    this.issuing.set(w.id, tail);
    void tail.then(() => {
      if (this.issuing.get(w.id) === tail) this.issuing.delete(w.id);
    });
    return next;
  }

  /** A page of history, newest first (TxReader.history says how a page is bounded). */
  async getTransactionHistory(walletId: string, req: { limit: number; cursor?: string }) {
    await this.wallet(walletId);
    this.requireChain();
    return this.reader.history(walletId, req, await this.tipHeight(walletId));
  }

  async getTransaction(walletId: string, txid: string): Promise<TxDetails> {
    await this.wallet(walletId);
    this.requireChain();
    const tx = (await this.deps.store.getTx(walletId, txid)) ?? fail('TX_NOT_FOUND', undefined, { txid });
    return this.reader.details(walletId, tx, await this.tipHeight(walletId));
  }

  setLabel = async (walletId: string, req: { address?: string; txid?: string; label: string }) => this.labels.setLabel(await this.wallet(walletId), req);
  exportLabels = async (walletId: string) => this.labels.exportLabels(await this.wallet(walletId));
  importLabels = async (walletId: string, req: { labels: string }) => this.labels.importLabels(await this.wallet(walletId), req);

  /** Moves the sync point back to `fromHeight - 1` (default: the birth height); the sync loop rescans. */
  async rescanWallet(walletId: string, req: { fromHeight?: number }): Promise<RescanResult> {
    const w = await this.wallet(walletId);
    this.requireChain();
    return this.sync.rescan(walletId, req.fromHeight ?? Math.max(0, w.birthHeight));
  }

  async getUnspentOutputs(walletId: string, req: { minConf: number; limit?: number; after?: string }): Promise<UnspentOutput[]> {
    await this.wallet(walletId);
    this.requireChain();
    const { store, clock, settings } = this.deps;
    const tipHeight = await this.tipHeight(walletId);
    // minConf ≥ 1 is a height bound on mined coins, so a page is filtered by the index, not after it.
    const mined = req.minConf > 0;
    const [coins, leases] = await Promise.all([
      store.listCoins(walletId, {
        buckets: mined ? MINED_BUCKETS : LIVE_BUCKETS, limit: req.limit ?? Number.MAX_SAFE_INTEGER, after: req.after,
        maxHeight: mined ? (tipHeight ?? -1) - req.minConf + 1 : undefined,
      }),
      store.listLeases(walletId, clock.now()),
    ]);
    const leasedUntil = new Map(leases.map((l) => [`${l.txid}:${l.vout}`, l.expiresAt]));
    return coins.map((c) => coinView(c, { tipHeight, leasedUntil: leasedUntil.get(`${c.txid}:${c.vout}`) ?? null, spendZeroConfChange: settings.spendZeroConfChange }));
  }

  async getTxStatus(walletId: string, txid: string): Promise<TxStatusInfo> {
    await this.wallet(walletId);
    this.requireChain();
    const tx = (await this.deps.store.getTx(walletId, txid)) ?? fail('TX_NOT_FOUND', undefined, { txid });
    return txStatusView(tx, await this.tipHeight(walletId));
  }

  async sendTransaction<R extends SendRequest>(walletId: string, req: R): Promise<SendOutcome<R>> {
    // The engine answers a preview exactly when `dryRun` is true, which is what SendOutcome says.
    return (await this.spend.send(await this.wallet(walletId), req)) as SendOutcome<R>;
  }

  /** send_all: sweep every spendable coin, or exactly `inputs`, to one address. */
  async sendAll<R extends SendAllRequest>(walletId: string, req: R): Promise<SendOutcome<R>> {
    return (await this.spend.sendAll(await this.wallet(walletId), req)) as SendOutcome<R>;
  }

  async signTransaction(walletId: string, req: SignRequest): Promise<SignResult> {
    return this.spend.sign(await this.wallet(walletId), req);
  }

  async cancelTransaction(walletId: string, req: { txid: string; feeRate?: number }): Promise<SendResult> {
    return this.spend.cancel(await this.wallet(walletId), req);
  }

  async bumpFee(walletId: string, req: BumpRequest): Promise<BumpResult> {
    return this.spend.bump(await this.wallet(walletId), req);
  }

  async createPsbt(walletId: string, req: CreatePsbtRequest): Promise<CreatePsbtResult> {
    return this.spend.createPsbt(await this.wallet(walletId), req);
  }

  async releaseOutputs(walletId: string, req: { outpoints?: string[] }): Promise<{ released: number }> {
    await this.wallet(walletId);
    const released = await this.deps.store.releaseLeases(walletId, req.outpoints ? { outpoints: req.outpoints } : {});
    return { released };
  }

  async setPassphrase(walletId: string, req: { old?: string; new: string }): Promise<void> {
    const w = await this.wallet(walletId);
    await this.seeds.setPassphrase(w, req, (sealed) => this.deps.store.updateSealedSeed(walletId, sealed, true));
  }

  async unlockWallet(walletId: string, req: { passphrase: string; timeoutSec: number }): Promise<void> {
    await this.seeds.unlock(await this.wallet(walletId), req);
  }

  async lockWallet(walletId: string): Promise<void> {
    await this.wallet(walletId);
    this.seeds.lock(walletId);
  }
}

function addressInfo(r: AddressRecord): AddressInfo {
  return { address: r.address, chain: r.chain === 0 ? 'receive' : 'change', index: r.index, path: r.path, label: r.label, used: r.used };
}
