/**
 * export_wallet, import_wallet and backup_wallet over the wallet service and its store.
 * Secrets are read from the sealed record, held only as long as needed, and leave only inside
 * an encrypted bundle (SPEC §1). Nothing here logs or returns a secret.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fail } from '../errors.ts';
import { highWaterOf, lookaheadRows } from '../wallet/keys/address-book.ts';
import { parseWatchOnly } from '../wallet/keys/descriptors.ts';
import type { Clock, WalletStore } from '../wallet/ports.ts';
import { openSeed, sealSeed, type ScryptParams } from '../wallet/secrets/seed-vault.ts';
import type { AddressRecord, AddressType, Network, WalletRecord } from '../wallet/types.ts';
import type { WalletSummary } from '../wallet/wallet-api.ts';
import { accountOfSecret, secretFromMnemonic } from '../wallet/secrets/wallet-secret.ts';
import type { WalletLog, WalletService } from '../wallet/wallet-service.ts';
import { freeBackupName, rotateBackups, writeAtomic, type BeforeRename } from './backup-files.ts';
import {
  BUNDLE_SCRYPT, decodeBundle, encodeBundle, MIN_BUNDLE_PASSPHRASE, openBundle, sealBundle,
  type BundlePayload, type BundleWallet,
} from './bundle.ts';
import type { BackupResult, ImportRequest, ImportResult, PortabilityApi } from './portability-api.ts';

/** What the service needs; the daemon builds it from config, tests inject lower scrypt costs. */
export interface PortabilityDeps {
  wallets: WalletService;
  store: WalletStore;
  network: Network;
  clock: Clock;
  gapLimit: number;
  /** Lookahead of restores from a bare seed, xpub or descriptor (`wallet.discoveryGap`). */
  discoveryGap: number;
  datadir: string;
  backup: { dir?: string; keep: number; passphrase?: string };
  /** Bundle KDF cost; defaults to BUNDLE_SCRYPT. Lower only in tests. */
  scrypt?: ScryptParams;
  log?: WalletLog;
  /** Test hook between the backup's write and its rename. */
  beforeRename?: BeforeRename;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

function checkPassphrase(passphrase: unknown, field = 'passphrase'): string {
  if (typeof passphrase !== 'string' || [...passphrase].length < MIN_BUNDLE_PASSPHRASE) {
    fail('INVALID_PARAMS', `${field} must be at least ${MIN_BUNDLE_PASSPHRASE} characters`, { field });
  }
  return passphrase;
}

/** A wallet to add: its record fields (minus id/network/createdAt) and restored address state. */
interface Restorable {
  /** The id a bundle recorded; a restore keeps it. */
  id?: string;
  fields: Omit<WalletRecord, 'id' | 'network' | 'createdAt'>;
  nextIndex: { receive: number; change: number };
  labels: BundleWallet['labels'];
}

/** The portability service behind the three RPC methods. */
export class PortabilityService implements PortabilityApi {
  private backupQueue: Promise<unknown> = Promise.resolve();
  /** Imports run one at a time, so two calls with the same seed cannot both pass the duplicate check. */
  private importQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: PortabilityDeps) {}

  /** Directory backups go to: `backup.dir`, else `<datadir>/backups`. */
  get backupDir(): string {
    return this.deps.backup.dir ?? join(this.deps.datadir, 'backups');
  }

  async exportWallet(walletId: string, passphrase: string): Promise<string> {
    checkPassphrase(passphrase);
    const w = await this.deps.wallets.wallet(walletId);
    // As Bitcoin Core's dumpwallet: a protected wallet must be unlocked by its owner first.
    if (w.sealedSeed !== null && this.deps.wallets.seeds.isLocked(w)) fail('WALLET_LOCKED');
    const payload = this.payload([await this.entryOf(w)]);
    const bytes = await sealBundle(payload, passphrase, this.deps.scrypt ?? BUNDLE_SCRYPT);
    this.deps.log?.info({ wallet: w.id }, 'wallet exported');
    return encodeBundle(bytes);
  }

  async backupWallets(passphrase?: string): Promise<BackupResult> {
    const configured = this.deps.backup.passphrase;
    if (configured !== undefined && passphrase !== undefined) {
      fail('INVALID_PARAMS', 'backup.passphrase is configured; omit passphrase', { field: 'passphrase' });
    }
    const pass = checkPassphrase(configured ?? passphrase ?? fail('INVALID_PARAMS', 'a backup passphrase is required: set backup.passphrase or pass passphrase', { field: 'passphrase' }));
    // One backup at a time: rotation must not race a concurrent write.
    const run = this.backupQueue.then(() => this.writeBackup(pass));
    this.backupQueue = run.catch(() => undefined);
    return run;
  }

  private async writeBackup(passphrase: string): Promise<BackupResult> {
    const records = await this.deps.store.listWallets();
    const entries: BundleWallet[] = [];
    for (const w of records) entries.push(await this.entryOf(w));
    const bytes = await sealBundle(this.payload(entries), passphrase, this.deps.scrypt ?? BUNDLE_SCRYPT);
    const dir = this.backupDir;
    const now = this.deps.clock.now();
    const name = await freeBackupName(dir, now);
    const path = await writeAtomic(dir, name, `${encodeBundle(bytes)}\n`, this.deps.beforeRename);
    const removed = await rotateBackups(dir, this.deps.backup.keep, now);
    this.deps.log?.info({ path, wallets: entries.length, rotated: removed.length }, 'backup written');
    return { path, wallets: entries.length };
  }

  async importWallet(req: ImportRequest): Promise<ImportResult> {
    const { network } = this.deps;
    if (req.network !== undefined && req.network !== network.name) {
      fail('WRONG_NETWORK', `this daemon runs on ${network.name}`, { network: network.name });
    }
    const kinds = (['bundle', 'mnemonic', 'descriptor', 'xpub'] as const).filter((k) => req[k] !== undefined);
    if (kinds.length !== 1) fail('INVALID_PARAMS', 'give exactly one of bundle, mnemonic, descriptor or xpub');
    let todo: Restorable[];
    if (req.bundle !== undefined) todo = await this.fromBundle(req);
    else if (req.mnemonic !== undefined) todo = [await this.fromMnemonic(req, req.mnemonic)];
    else todo = [this.watchOnly(req, (req.descriptor ?? req.xpub)!)];
    // The check and the inserts must not interleave with another import's (the store has no
    // unique key on the xpub), so they run in one queue; the KDF work above stays concurrent.
    const run = this.importQueue.then(() => this.addAll(todo));
    this.importQueue = run.catch(() => undefined);
    return run;
  }

  private async addAll(todo: Restorable[]): Promise<ImportResult> {
    // Refuse before adding anything, so a backup that overlaps the keystore (or repeats a
    // wallet) adds nothing.
    const seen = new Set<string>();
    for (const t of todo) {
      if (seen.has(t.fields.accountXpub) || (await this.deps.store.findWalletByAccountXpub(t.fields.accountXpub))) {
        fail('WALLET_EXISTS', undefined, { masterFingerprint: t.fields.masterFingerprint });
      }
      seen.add(t.fields.accountXpub);
      // A restore keeps ids (issue 15), so one already in use is a clash, never silently renamed.
      if (t.id !== undefined && (seen.has(`id:${t.id}`) || (await this.deps.store.getWallet(t.id)))) {
        fail('WALLET_EXISTS', `wallet id ${t.id} is already in use`, { walletId: t.id });
      }
      if (t.id !== undefined) seen.add(`id:${t.id}`);
    }
    const added: WalletSummary[] = [];
    for (const t of todo) added.push(await this.restore(t));
    return { ...added[0]!, wallets: added };
  }

  private async fromBundle(req: ImportRequest): Promise<Restorable[]> {
    if (typeof req.passphrase !== 'string') fail('INVALID_PARAMS', 'passphrase is required with bundle', { field: 'passphrase' });
    if (req.walletPassphrase !== undefined) checkPassphrase(req.walletPassphrase, 'walletPassphrase');
    const payload = await openBundle(decodeBundle(req.bundle!), req.passphrase);
    if (payload.wallets.length === 0) fail('INVALID_PARAMS', 'bundle holds no wallets', { field: 'bundle' });
    const out: Restorable[] = [];
    for (const w of payload.wallets) {
      if (w.network !== this.deps.network.name) fail('WRONG_NETWORK', `bundle wallet is for ${w.network}`, { network: w.network });
      // The xpub must parse on this network (custom chain params included).
      parseWatchOnly(w.accountXpub, this.deps.network);
      let sealedSeed: Uint8Array | null = null;
      let hasPassphrase = false;
      if (w.secret !== undefined) {
        const secret = unb64(w.secret);
        try {
          this.checkSecret(secret, w.addressType, w.accountXpub);
          sealedSeed = await sealSeed(secret, req.walletPassphrase ?? '');
          hasPassphrase = req.walletPassphrase !== undefined;
        } finally {
          secret.fill(0);
        }
      } else if (w.sealedSecret !== undefined) {
        sealedSeed = unb64(w.sealedSecret);
        hasPassphrase = true;
      }
      out.push({
        id: w.id,
        fields: {
          name: w.name, addressType: w.addressType, accountXpub: w.accountXpub, masterFingerprint: w.masterFingerprint,
          sealedSeed, hasPassphrase, birthHeight: w.birthHeight, lookahead: w.lookahead ?? this.deps.gapLimit,
        },
        nextIndex: w.nextIndex,
        labels: w.labels,
      });
    }
    return out;
  }

  private checkSecret(secret: Uint8Array, addressType: AddressType, accountXpub: string): void {
    if (accountOfSecret(secret, addressType, this.deps.network).accountXpub !== accountXpub) {
      fail('INVALID_PARAMS', 'bundle wallet secret does not match its account key', { field: 'bundle' });
    }
  }

  private async fromMnemonic(req: ImportRequest, mnemonic: string): Promise<Restorable> {
    const addressType = req.addressType ?? 'p2wpkh';
    const secret = secretFromMnemonic(mnemonic, req.bip39Passphrase ?? '');
    try {
      const account = accountOfSecret(secret, addressType, this.deps.network);
      const sealedSeed = await sealSeed(secret, req.passphrase ?? '');
      return {
        fields: {
          name: req.name ?? `imported-${account.masterFingerprint}`, addressType, ...account, sealedSeed,
          hasPassphrase: Boolean(req.passphrase), birthHeight: req.birthHeight ?? 0,
          // A bare seed says nothing of how far its old wallet handed out addresses.
          lookahead: this.deps.discoveryGap,
        },
        nextIndex: { receive: 0, change: 0 },
        labels: [],
      };
    } finally {
      secret.fill(0);
    }
  }

  private watchOnly(req: ImportRequest, input: string): Restorable {
    const account = parseWatchOnly(input, this.deps.network);
    // A bare xpub carries no origin; 00000000 is the conventional "unknown" fingerprint.
    const masterFingerprint = account.masterFingerprint ?? '00000000';
    return {
      fields: {
        name: req.name ?? `watch-${masterFingerprint}`, addressType: account.addressType, accountXpub: account.accountXpub,
        masterFingerprint, sealedSeed: null, hasPassphrase: false, birthHeight: req.birthHeight ?? 0,
        lookahead: this.deps.discoveryGap,
      },
      nextIndex: { receive: 0, change: 0 },
      labels: [],
    };
  }

  /** Inserts the wallet with every address up to its saved indexes, then asks for a rescan. */
  private async restore(t: Restorable): Promise<WalletSummary> {
    const { network, clock, store, wallets } = this.deps;
    const wallet: WalletRecord = { ...t.fields, id: t.id ?? `w_${randomBytes(6).toString('hex')}`, network: network.name, createdAt: clock.now() };
    const labels = new Map(t.labels.map((l) => [`${l.chain}/${l.index}`, l.label]));
    const next = [t.nextIndex.receive, t.nextIndex.change];
    const rows: AddressRecord[] = [];
    // Rows are written with the wallet in one transaction, so the first scan already sees them all.
    for (;;) {
      const more = lookaheadRows(wallet, network, highWaterOf(rows), wallet.lookahead);
      if (more.length === 0) break;
      for (const r of more) {
        r.issued = r.index < next[r.chain]!;
        r.label = labels.get(`${r.chain}/${r.index}`) ?? null;
      }
      rows.push(...more);
    }
    await store.insertWallet(wallet, rows);
    this.deps.log?.info({ wallet: wallet.id, watchOnly: wallet.sealedSeed === null, birthHeight: wallet.birthHeight }, 'wallet imported; rescanning');
    wallets.sync.requestSync(wallet.id);
    const summary = (await wallets.listWallets()).find((s) => s.id === wallet.id);
    return summary ?? fail('INTERNAL', 'imported wallet was not stored');
  }

  private payload(wallets: BundleWallet[]): BundlePayload {
    return { format: 'walletd-bundle', version: 1, createdAt: this.deps.clock.now(), wallets };
  }

  /** A wallet's bundle entry; the secret is opened only for a wallet without a passphrase. */
  private async entryOf(w: WalletRecord): Promise<BundleWallet> {
    const rows = await this.deps.store.listAddresses(w.id);
    const touched = (chain: 0 | 1) => rows.reduce((n, r) => (r.chain === chain && (r.issued || r.used) ? Math.max(n, r.index + 1) : n), 0);
    const entry: BundleWallet = {
      id: w.id, name: w.name, network: w.network, addressType: w.addressType, accountXpub: w.accountXpub,
      masterFingerprint: w.masterFingerprint, nextIndex: { receive: touched(0), change: touched(1) },
      labels: rows.filter((r) => r.label !== null).map((r) => ({ chain: r.chain, index: r.index, label: r.label! })),
      birthHeight: w.birthHeight,
      lookahead: w.lookahead,
    };
    if (w.sealedSeed !== null && w.hasPassphrase) entry.sealedSecret = b64(w.sealedSeed);
    else if (w.sealedSeed !== null) {
      const secret = await openSeed(w.sealedSeed, '');
      try {
        entry.secret = b64(secret);
      } finally {
        secret.fill(0);
      }
    }
    return entry;
  }
}

/**
 * Runs `backup` every `intervalHours` (config `backup.intervalHours`; 0 disables it). Failures
 * are logged by code and retried at the next tick. Returns a function that stops the schedule.
 */
export function startBackupSchedule(
  intervalHours: number,
  backup: () => Promise<BackupResult>,
  opts: { clock: Clock; log?: WalletLog },
): () => void {
  if (!(intervalHours > 0)) return () => undefined;
  const ms = Math.round(intervalHours * 3_600_000);
  let cancel: (() => void) | null = null;
  let stopped = false;
  const tick = () => {
    backup().then(
      (r) => opts.log?.info({ path: r.path, wallets: r.wallets }, 'scheduled backup written'),
      (err: unknown) => opts.log?.error({ err: (err as { code?: string }).code ?? (err instanceof Error ? err.message : 'unknown') }, 'scheduled backup failed'),
    ).finally(() => {
      if (!stopped) cancel = opts.clock.setTimer(ms, tick);
    });
  };
  cancel = opts.clock.setTimer(ms, tick);
  return () => {
    stopped = true;
    cancel?.();
  };
}
