/**
 * Spending: send and sign here; cancel, bump_fee and create_psbt in their own modules, over the
 * engine's SpendKit. One send at a time per wallet (an in-process mutex), coins leased in the
 * keystore while a draft is outstanding, fees checked against policy before any signature, and
 * idempotency keys so a retried send never pays twice.
 */
import { createHash } from 'node:crypto';
import { Transaction, type Psbt } from 'bitcoinjs-lib';
import { fail, isWalletdError } from '../../errors.ts';
import { validateAddress } from '../keys/address-validation.ts';
import { selectCoins } from './coin-selection.ts';
import { dustThreshold } from './fee-math.ts';
import { accountPath, deriveAccountSigner } from '../keys/hd.ts';
import type { ChainBackend, Clock, WalletStore } from '../ports.ts';
import { finalizePsbt, psbtFromBase64, signPsbt } from '../secrets/psbt-signer.ts';
import { cancelTransaction, type CancelTxRequest } from './cancel.ts';
import { bumpFee } from './fee-bump.ts';
import { createFundedPsbt } from './psbt-funder.ts';
import { checkPsbtFee } from './psbt-fee.ts';
import type { SpendKit } from './spend-kit.ts';
import { annotateWalletInputs, buildPsbt } from './tx-builder.ts';
import { spendableBuckets } from '../ledger/coin-state.ts';
import { prevoutsOf } from '../ledger/ledger.ts';
import type { LedgerCoin } from '../ledger/ledger-types.ts';
import { historyEntry } from '../ledger/ledger-views.ts';
import { Broadcaster } from './broadcaster.ts';
import type { WalletSettings } from '../settings.ts';
import type { AddressRecord, Network, TxStatus, WalletRecord } from '../types.ts';
import type { BumpRequest, BumpResult, CreatePsbtRequest, CreatePsbtResult, FeeChoice, Recipient, SendRequest, SendResult, SignRequest, SignResult } from '../wallet-api.ts';

interface SpendDeps {
  store: WalletStore;
  chain: ChainBackend | null;
  clock: Clock;
  network: Network;
  settings: WalletSettings;
  withSeed<T>(wallet: WalletRecord, fn: (seed: Uint8Array) => T | Promise<T>): Promise<T>;
  tipHeight(): number | null;
  refresh(walletId: string): void;
  /** Issues the next address on `chain`, serialized with generate_address. */
  issueAddress(wallet: WalletRecord, chain: 0 | 1, label: string | null): Promise<AddressRecord>;
  /** Emits `tx` and `balance` events for a transaction the wallet just recorded. */
  announce(walletId: string, txid: string, status: TxStatus, links?: { replacedBy?: string; conflictedBy?: string }): Promise<void>;
}

/** A coin with its derivation, as tx-builder wants it. */
type Coin = Pick<LedgerCoin, 'txid' | 'vout' | 'value' | 'script' | 'chain' | 'index'>;

/** Coins considered by one selection: enough for any payment, few enough to cost the same in any wallet. */
const SELECTION_CANDIDATES = 600;

/** Builds, signs, broadcasts and cancels transactions for wallets. */
export class SpendEngine {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly broadcaster: Broadcaster;

  constructor(private readonly deps: SpendDeps) {
    this.broadcaster = new Broadcaster({ ...deps, chain: () => this.chain() });
  }

  /** Serializes spends per wallet so two calls never choose the same coins. */
  private exclusive<T>(walletId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(walletId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    this.queues.set(walletId, next.catch(() => undefined));
    return next;
  }

  private chain(): ChainBackend {
    return this.deps.chain ?? fail('CHAIN_UNAVAILABLE', 'no chain backend is configured (offline signer)');
  }

  /** Validates destinations (network, dust) into scripts. */
  private recipients(outputs: Recipient[]): Array<{ address: string; script: string; value: bigint }> {
    if (outputs.length === 0) fail('INVALID_PARAMS', 'outputs must not be empty', { field: 'outputs' });
    return outputs.map((o, i) => {
      const { script } = validateAddress(o.address, this.deps.network);
      const value = BigInt(o.amount);
      if (value < dustThreshold(script)) fail('DUST_OUTPUT', undefined, { field: `outputs/${i}/amount`, dustLimit: Number(dustThreshold(script)) });
      return { address: o.address, script: Buffer.from(script).toString('hex'), value };
    });
  }

  /** Fee rate from the request or the backend's estimate, checked against policy (SPEC §7). */
  private async feeRate(req: FeeChoice): Promise<number> {
    const { settings } = this.deps;
    let rate = req.feeRate;
    if (rate === undefined && this.deps.chain) {
      rate = (await this.deps.chain.estimateFeeRate(req.confTarget ?? settings.defaultConfTarget)) ?? undefined;
    }
    rate ??= settings.fallbackFeeRate;
    if (this.deps.chain) {
      const minRelay = await this.deps.chain.getMinRelayFeeRate();
      if (rate < minRelay) {
        if (req.feeRate !== undefined) fail('FEE_TOO_LOW', undefined, { feeRate: rate, minRelayFeeRate: minRelay });
        rate = minRelay;
      }
    }
    // Checked last, so raising an estimate to the relay floor can never slip past the cap.
    if (rate > settings.maxFeeRate) fail('FEE_TOO_HIGH', undefined, { feeRate: rate, maxFeeRate: settings.maxFeeRate });
    return rate;
  }

  /** Issues the next change address (BIP44 internal chain), keeping the lookahead. */
  private changeAddress(wallet: WalletRecord): Promise<AddressRecord> {
    return this.deps.issueAddress(wallet, 1, null);
  }

  /**
   * Spendable, unleased coins for a payment of `target`: mature confirmed coins, and the wallet's
   * own unconfirmed change unless `wallet.spendZeroConfChange` is off. A bounded candidate set
   * first; all coins only when those cannot pay (a wallet of many small coins).
   */
  private async spendableCoins(walletId: string, target: bigint, all: boolean): Promise<LedgerCoin[]> {
    const now = this.deps.clock.now();
    const buckets = spendableBuckets(this.deps.settings.spendZeroConfChange);
    if (!all) return this.deps.store.selectionCandidates(walletId, { buckets, target, now, limit: SELECTION_CANDIDATES });
    const [coins, leases] = await Promise.all([
      this.deps.store.listCoins(walletId, { buckets, limit: Number.MAX_SAFE_INTEGER }),
      this.deps.store.listLeases(walletId, now),
    ]);
    const leased = new Set(leases.map((l) => `${l.txid}:${l.vout}`));
    return coins.filter((c) => !leased.has(`${c.txid}:${c.vout}`));
  }

  private psbtFields(wallet: WalletRecord) {
    return {
      network: this.deps.network, addressType: wallet.addressType, accountXpub: wallet.accountXpub,
      masterFingerprint: wallet.masterFingerprint, accountPath: accountPath(wallet.addressType, this.deps.network),
    };
  }

  /** Signs every input of `psbt` this wallet owns; the derived key is zeroed afterwards. */
  private async signWithWallet(wallet: WalletRecord, psbt: Psbt): Promise<{ hex: string | null; complete: boolean }> {
    await this.deps.withSeed(wallet, (seed) => {
      const accountNode = deriveAccountSigner(seed, wallet.addressType, this.deps.network);
      try {
        signPsbt(psbt, { accountNode, masterFingerprint: wallet.masterFingerprint, addressType: wallet.addressType });
      } finally {
        accountNode.privateKey?.fill(0);
      }
    });
    return finalizePsbt(psbt);
  }

  /** Selects coins, leases them, and signs a draft paying `recipients`. */
  private async draft(wallet: WalletRecord, recipients: Array<{ script: string; value: bigint }>, feeRate: number, reason: string) {
    const { settings, clock, store } = this.deps;
    const target = recipients.reduce((sum, r) => sum + r.value, 0n);
    const change = await this.changeAddress(wallet);
    const select = (coins: LedgerCoin[]) => selectCoins({
      utxos: coins.map((c) => ({ txid: c.txid, vout: c.vout, value: c.value, script: c.script })),
      recipients: recipients.map((r) => ({ script: r.script, value: r.value })),
      feeRate, inputType: wallet.addressType, changeScript: change.script,
    });
    let coins = await this.spendableCoins(wallet.id, target, false);
    let selection: ReturnType<typeof select>;
    try {
      selection = select(coins);
    } catch (err) {
      if (!isWalletdError(err, 'INSUFFICIENT_FUNDS')) throw err;
      coins = await this.spendableCoins(wallet.id, target, true);
      selection = select(coins);
    }
    if (selection.fee > BigInt(settings.maxFeeSats)) fail('FEE_TOO_HIGH', undefined, { fee: Number(selection.fee), maxFeeSats: settings.maxFeeSats });
    const byOutpoint = new Map(coins.map((c) => [`${c.txid}:${c.vout}`, c]));
    const inputs: Coin[] = selection.inputs.map((i) => byOutpoint.get(`${i.txid}:${i.vout}`)!);
    const expiresAt = clock.now() + settings.leaseSeconds * 1000;
    const leased = await store.insertLeases(inputs.map((i) => ({ walletId: wallet.id, txid: i.txid, vout: i.vout, expiresAt, reason })), clock.now());
    if (!leased) fail('INSUFFICIENT_FUNDS', 'coins were taken by a concurrent request; retry');
    const outputs = [...recipients.map((r) => ({ script: r.script, value: r.value }))];
    if (selection.change > 0n) outputs.push({ script: change.script, value: selection.change });
    // Every failure between leasing and returning gives the coins back.
    return this.releasingOnFailure(wallet.id, reason, async () => {
      const psbt = buildPsbt({ inputs, outputs, ...this.psbtFields(wallet) });
      const signed = await this.signWithWallet(wallet, psbt);
      return { psbt, ...signed, fee: selection.fee, vsize: selection.vsize, expiresAt };
    });
  }

  /** Runs `fn`; when it throws, the leases taken under `reason` are released before rethrowing. */
  private async releasingOnFailure<T>(walletId: string, reason: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      await this.deps.store.releaseLeases(walletId, { reason }).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Answers an idempotent retry with the earlier send and its current status, so a retry of a
   * send that was since replaced or conflicted is visibly not a payment (SPEC §5).
   */
  private async replay(wallet: WalletRecord, key: string, requestHash: string): Promise<SendResult | null> {
    const prior = await this.deps.store.getIdempotent(wallet.id, key);
    if (!prior) return null;
    if (prior.requestHash !== requestHash) fail('INVALID_PARAMS', 'idempotencyKey was used for a different request', { field: 'idempotencyKey' });
    const stored = await this.deps.store.getTx(wallet.id, prior.txid);
    // Recorded before the broadcast and then refused outright: nothing was paid, so send again.
    if (!stored) return null;
    const decoded = Transaction.fromHex(stored.hex);
    const [created, spent] = await Promise.all([
      this.deps.store.coinsOf(wallet.id, [stored.txid]),
      this.deps.store.getCoins(wallet.id, prevoutsOf(decoded)),
    ]);
    const coins = new Map(spent);
    created.forEach((c) => coins.set(`${c.txid}:${c.vout}`, c));
    const fee = historyEntry(stored, coins, null).fee ?? 0;
    return { txid: prior.txid, fee, feeRate: fee / decoded.virtualSize(), replayed: true, status: stored.status };
  }

  /** send_transaction: select, lease, check limits, sign, record, broadcast. */
  send(wallet: WalletRecord, req: SendRequest): Promise<SendResult> {
    return this.exclusive(wallet.id, async () => {
      const recipients = this.recipients(req.outputs);
      const requestHash = createHash('sha256')
        .update(JSON.stringify([req.outputs, req.feeRate ?? null, req.confTarget ?? null]))
        .digest('hex');
      this.chain();
      if (req.idempotencyKey) {
        const replayed = await this.replay(wallet, req.idempotencyKey, requestHash);
        if (replayed) return replayed;
      }
      const feeRate = await this.feeRate(req);
      const amount = recipients.reduce((sum, r) => sum + r.value, 0n);
      const reason = `send:${req.idempotencyKey ?? createHash('sha256').update(String(this.deps.clock.now()) + Math.random()).digest('hex').slice(0, 16)}`;
      const draft = await this.draft(wallet, recipients, feeRate, reason);
      // After selection, so the limits see the fee too (SPEC §4); a refusal gives the coins back.
      await this.releasingOnFailure(wallet.id, reason, async () => req.guard?.({ amount, fee: draft.fee, feeRate: Number(draft.fee) / draft.vsize, destinations: recipients.map((r) => r.address) }));
      const { hex, txid, status } = await this.releasingOnFailure(wallet.id, reason, async () => {
        const hex = draft.hex ?? fail('INTERNAL', 'wallet could not finalize its own transaction');
        const txid = Transaction.fromHex(hex).getId();
        // Recorded before broadcast: a crash after the node accepted it still answers the retry.
        if (req.idempotencyKey) await this.deps.store.putIdempotent(wallet.id, req.idempotencyKey, txid, requestHash);
        return { hex, txid, status: await this.broadcaster.send(wallet.id, { txid, hex }) };
      });
      // The ledger now holds the coins as spent, so the leases have done their work.
      await this.deps.store.releaseLeases(wallet.id, { reason });
      const vsize = Transaction.fromHex(hex).virtualSize();
      return { txid, fee: Number(draft.fee), feeRate: Number(draft.fee) / vsize, replayed: false, status };
    });
  }

  /** sign_transaction: a leased, signed draft, or the wallet's signatures on a caller's PSBT. */
  sign(wallet: WalletRecord, req: SignRequest): Promise<SignResult> {
    return this.exclusive(wallet.id, async () => {
      if ('psbt' in req) {
        const psbt = psbtFromBase64(req.psbt, this.deps.network);
        const outpoints = psbt.txInputs.map((i) => `${Buffer.from(i.hash).reverse().toString('hex')}:${i.index}`);
        annotateWalletInputs(psbt, { ...this.psbtFields(wallet), coins: await this.deps.store.getCoins(wallet.id, outpoints) });
        const { hex, complete } = await this.signWithWallet(wallet, psbt);
        checkPsbtFee(psbt, hex, this.deps.settings);
        return { psbt: psbt.toBase64(), hex, complete, leasedUntil: null };
      }
      const recipients = this.recipients(req.outputs);
      const feeRate = await this.feeRate(req);
      const reason = `sign:${createHash('sha256').update(String(this.deps.clock.now()) + Math.random()).digest('hex').slice(0, 16)}`;
      const draft = await this.draft(wallet, recipients, feeRate, reason);
      return { psbt: draft.psbt.toBase64(), hex: draft.hex, complete: draft.complete, leasedUntil: Math.floor(draft.expiresAt / 1000) };
    });
  }

  /** create_psbt: a funded, unsigned, leased PSBT; no seed needed, so watch-only wallets work (psbt-funder.ts). */
  createPsbt(wallet: WalletRecord, req: CreatePsbtRequest): Promise<CreatePsbtResult> {
    return this.exclusive(wallet.id, () => createFundedPsbt(this.kit(), wallet, req));
  }

  /** bump_fee: a BIP125 replacement keeping the recipients, or a CPFP child (fee-bump.ts). */
  bump(wallet: WalletRecord, req: BumpRequest): Promise<BumpResult> {
    return this.exclusive(wallet.id, () => bumpFee(this.kit(), wallet, req));
  }

  /** cancel_transaction: BIP125 replacement paying the unconfirmed tx's inputs back to the wallet (cancel.ts). */
  cancel(wallet: WalletRecord, req: CancelTxRequest): Promise<SendResult> {
    return this.exclusive(wallet.id, () => cancelTransaction(this.kit(), wallet, req));
  }

  /** The engine's parts its spend flows borrow. */
  private kit(): SpendKit {
    return {
      ...this.deps, chain: this.chain(),
      feeRate: (req) => this.feeRate(req),
      changeAddress: (wallet) => this.changeAddress(wallet),
      account: (wallet) => this.psbtFields(wallet),
      recipients: (outputs) => this.recipients(outputs),
      spendableCoins: (walletId, target, all) => this.spendableCoins(walletId, target, all),
      sign: (wallet, psbt) => this.signWithWallet(wallet, psbt),
      broadcast: (walletId, original, hex) => this.broadcastReplacement(walletId, original, hex),
    };
  }

  /** Records and broadcasts a replacement (or CPFP child) of `original`; a refusal after it was mined is ALREADY_CONFIRMED. */
  private async broadcastReplacement(walletId: string, original: string, hex: string): Promise<TxStatus> {
    try {
      // Recording a replacement marks the original replaced (it spends the same inputs).
      return await this.broadcaster.send(walletId, { txid: Transaction.fromHex(hex).getId(), hex });
    } catch (err) {
      if (isWalletdError(err, 'BROADCAST_REJECTED') && (await this.chain().getTx(original))?.blockHeight != null) {
        fail('ALREADY_CONFIRMED', undefined, { txid: original });
      }
      throw err;
    }
  }
}
